/*
 * The demo chat UI. It uses only WebChatService bus commands and events, like any
 * integrator's custom UI, and shows every text with textContent (never innerHTML).
 */
(function () {
  'use strict';
  var bus = window.CXBus;
  var ui = bus.registerPlugin('DemoChat');
  var $ = function (id) { return document.getElementById(id); };
  var typingTimer = null;

  function status(text) { $('status').textContent = text; }
  function showError(text) {
    $('error').textContent = text || '';
    $('error').hidden = !text;
  }
  function show(chatting) {
    $('start-form').hidden = chatting;
    $('chat').hidden = !chatting;
    if (chatting) { $('message').focus(); }
  }
  // Older messages (a history page) go above what is shown; everything else below.
  var prepend = false;
  function line(className, text, index, who) {
    var li = document.createElement('li');
    li.className = className;
    if (index !== undefined) { li.setAttribute('data-index', String(index)); }
    if (who) {
      var w = document.createElement('span');
      w.className = 'who';
      w.textContent = who;
      li.appendChild(w);
    }
    var t = document.createElement('span');
    t.className = 'text';
    t.textContent = text;
    li.appendChild(t);
    if (prepend) {
      $('transcript').insertBefore(li, $('transcript').firstChild);
      return;
    }
    $('transcript').appendChild(li);
    $('transcript').scrollTop = $('transcript').scrollHeight;
  }
  function render(m) {
    var name = (m.from && m.from.name) || '';
    var type = (m.from && m.from.type) || '';
    switch (m.type) {
      case 'Message':
      case 'PushUrl':
        // A Nexus image arrives as a message with `content` and maybe no text.
        line('msg msg-' + type, m.text || (m.content && m.content.length ? 'sent an image' : ''), m.index, name);
        break;
      case 'ParticipantJoined':
        line('system', name + ' joined the chat', m.index);
        break;
      case 'ParticipantLeft':
        line('system', name + ' left the chat', m.index);
        break;
      case 'Notice':
      case 'CustomNotice':
        line('system', m.text || '', m.index);
        break;
      case 'FileUploaded':
        fileLine(m);
        break;
      default:
        break;
    }
  }
  // A GMS file in the transcript, with a button that downloads it (downloadFile).
  function fileLine(m) {
    var d = m.fileDetails || {};
    var name = (m.from && m.from.name) || '';
    line('msg msg-' + ((m.from && m.from.type) || ''), 'sent a file: ' + (d['file-name'] || m.text || ''), m.index, name);
    if (!d['file-id']) { return; }
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'download';
    b.textContent = 'Download';
    b.addEventListener('click', function () {
      ui.command('WebChatService.downloadFile', { fileId: d['file-id'] }).fail(function (err) { showError(describe(err)); });
    });
    $('transcript').lastChild.appendChild(b);
  }
  // What a refused upload's errors mean (GMS codes 201, 202, 203; advice is the limit).
  function uploadError(err) {
    var body = null;
    try { body = JSON.parse(err.responseText); } catch (e) { body = null; }
    var texts = { 201: 'too many files (at most ', 202: 'the file is too big (at most ', 203: 'this type of file is not allowed (allowed: ' };
    var list = (body && body.errors) || [];
    return list.map(function (e) {
      return (e.filename ? e.filename + ': ' : '') + (texts[e.code] ? texts[e.code] + e.advice + (e.code === 202 ? ' bytes)' : ')') : (e.advice || e.code));
    }).join('; ');
  }
  function describe(err) {
    if (typeof err === 'string') { return err; }
    if (err && err.errorReason === 'FileUploadError') { return 'The file ' + err.filename + ' could not be sent: the chat server cannot be reached.'; }
    if (err && err.status === 400 && typeof err.responseText === 'string' && uploadError(err)) { return uploadError(err); }
    // Nexus v3 answers {status: {code, message}}.
    var nexus = null;
    try { nexus = err && typeof err.responseText === 'string' ? JSON.parse(err.responseText) : null; } catch (e) { nexus = null; }
    if (nexus && nexus.status && nexus.status.message) { return nexus.status.message; }
    if (err && err.errors && err.errors.length) { return err.errors.map(function (e) { return e.advice || e.code; }).join(', '); }
    if (err && err.status === 0) { return 'The chat server cannot be reached.'; }
    return 'Something went wrong.';
  }

  var restored = false;
  var transportType = (window._genesys.widgets.webchat.transport || {}).type;
  $('transport').textContent = transportType === 'purecloud-v2-sockets' ? '(Genesys Cloud guest chat)' : transportType === 'pureengage-v3-rest' ? '(Nexus v3)' : '(GMS)';
  // Guest chat has no file transfer; Nexus v3 takes images only.
  $('attach').hidden = transportType === 'purecloud-v2-sockets';
  if (transportType === 'pureengage-v3-rest') { $('file').accept = 'image/*'; }
  ui.subscribe('WebChatService.ready', function () {
    status('ready');
    // The service restores by itself after a reload; show the form when there is nothing
    // to restore (guest chat has no verifySession: its refusal means "look at restore").
    ui.command('WebChatService.verifySession').done(function (r) {
      if (!r.sessionActive) { show(false); }
    }).fail(function () {
      setTimeout(function () { if (!restored) { show(false); } }, 300);
    });
    ui.command('WebChatService.registerTypingPreviewInput', { input: $('message') });
  });
  ui.subscribe('WebChatService.started', function () { status('connected'); show(true); });
  ui.subscribe('WebChatService.restored', function () { restored = true; status('restored'); show(true); });
  ui.subscribe('WebChatService.messageReceived', function (e) {
    // A history page comes newest first: each one goes on top of the previous.
    prepend = !!e.data.oldMessages;
    e.data.messages.forEach(render);
    prepend = false;
  });
  // Async mode pages back through the history (Nexus v3 with transport.async).
  var noOlder = false;
  ui.subscribe('WebChatService.capabilitiesChanged', function (e) { $('older').hidden = noOlder || !(e.data && e.data.pagination); });
  $('older').addEventListener('click', function () {
    showError('');
    ui.command('WebChatService.fetchHistory').fail(function (err) {
      if (err === 'No more messages to fetch') { noOlder = true; $('older').hidden = true; return; }
      showError(describe(err));
    });
  });
  ui.subscribe('WebChatService.agentTypingStarted', function (e) {
    var name = (e.data.from && e.data.from.name) || 'Agent';
    $('agent-typing').textContent = name + ' is typing…';
    $('agent-typing').hidden = false;
  });
  ui.subscribe('WebChatService.agentTypingStopped', function () { $('agent-typing').hidden = true; });
  ui.subscribe('WebChatService.agentTypingTimeout', function () { $('agent-typing').hidden = true; });
  ui.subscribe('WebChatService.disconnected', function () { status('connection lost, retrying…'); });
  ui.subscribe('WebChatService.reconnected', function () { status('connected'); });
  ui.subscribe('WebChatService.chatServerWentOffline', function () { status('chat server offline'); });
  ui.subscribe('WebChatService.chatServerBackOnline', function () { status('connected'); });
  ui.subscribe('WebChatService.restoreTimeout', function () { show(false); status('previous chat expired'); });
  ui.subscribe('WebChatService.restoreFailed', function () { show(false); status('could not restore the chat'); });
  ui.subscribe('WebChatService.ended', function () {
    status('chat ended');
    $('agent-typing').hidden = true;
    line('system', 'The chat has ended.');
    $('message').disabled = true;
    $('send').disabled = true;
    $('file').disabled = true;
    $('end').textContent = 'New chat';
  });

  $('start-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError('');
    noOlder = false;
    $('transcript').textContent = '';
    $('message').disabled = false;
    $('send').disabled = false;
    $('file').disabled = false;
    $('end').textContent = 'End chat';
    // Both shapes, as the Genesys WebChat UI sends them: the flat fields (GMS reads
    // these) and `form` (guest chat reads that).
    var form = { nickname: $('nickname').value, email: $('email').value, subject: $('subject').value };
    ui.command('WebChatService.startChat', {
      nickname: form.nickname, email: form.email, subject: form.subject,
      form: form,
      userData: { page: 'demo' }
    }).fail(function (err) { showError(describe(err)); });
  });
  $('send-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('message').value;
    if (!text.trim()) { return; }
    $('message').value = '';
    ui.command('WebChatService.sendMessage', { message: text }).fail(function (err) { showError(describe(err)); });
  });
  $('file').addEventListener('change', function () {
    if (!$('file').files.length) { return; }
    showError('');
    ui.command('WebChatService.sendFile', { files: $('file') }).always(function () { $('file').value = ''; })
      .fail(function (err) { showError(describe(err)); });
  });
  $('message').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' || ev.key.length > 1 && ev.key !== 'Backspace') { return; }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { ui.command('WebChatService.sendTyping', {}); }, 0);
  });
  $('end').addEventListener('click', function () {
    if ($('end').textContent === 'New chat') { show(false); return; }
    ui.command('WebChatService.endChat').fail(function (err) { showError(describe(err)); });
  });
})();
