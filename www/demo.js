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

  // What the status line says follows from the chat's state, so it never keeps telling
  // something that stopped being true (a one-off like "restored" is a transcript line).
  var state = { chatting: false, ended: false, agent: null, agentLeft: false, offline: '' };
  function status(text) { $('status').textContent = text; }
  function refresh() {
    if (state.ended) { status('chat ended'); }
    else if (!state.chatting) { status('ready'); }
    else if (state.offline) { status(state.offline); }
    else if (state.agent) { status('chatting with ' + state.agent); }
    else if (state.agentLeft) { status('the agent left: nobody is in the chat'); }
    else { status('waiting for an agent…'); }
  }
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
      return li;
    }
    $('transcript').appendChild(li);
    scrollDown();
    return li;
  }
  function scrollDown() { $('transcript').scrollTop = $('transcript').scrollHeight; }
  // The images a message carries (Nexus v3: `content` items of type image, fetched by the
  // service and handed over as data URLs).
  function images(m) {
    return (Array.isArray(m.content) ? m.content : []).filter(function (c) {
      return c && c.type === 'image' && typeof c.url === 'string' && /^data:image\//.test(c.url);
    }).map(function (c) { return c.url; });
  }
  // Names by participant id, from agentConnected's `agents` and from messages: guest
  // chat's join and leave frames name only their sender's id (in originalMessages).
  var names = {};
  // Whether a join (true) or a leave (false) was shown last for a name: guest chat reports
  // a join twice (the member look-up, with a name, and the frame, with an id).
  var present = {};
  function learnNames(agents) {
    Object.keys(agents || {}).forEach(function (id) {
      if (agents[id] && agents[id].name) { names[id] = agents[id].name; }
    });
  }
  function nameOf(m, original) {
    if (m.from && m.from.name) { return m.from.name; }
    var id = (m.from && (m.from.id || m.from.participantId)) || (original && original.sender && original.sender.id);
    return (id && names[id]) || '';
  }
  function joinOrLeave(m, original) {
    var joined = m.type === 'ParticipantJoined';
    var type = (m.from && m.from.type) || '';
    var who = nameOf(m, original);
    // Nobody to name (a guest frame of a member not known yet): its member look-up names it.
    if (!who && !type) { return; }
    who = who || someone(type);
    if (!prepend) {
      if (present[who] === joined) { return; }
      present[who] = joined;
    }
    line('system', who + (joined ? ' joined the chat' : ' left the chat'), m.index);
  }
  function render(m, original) {
    var name = (m.from && m.from.name) || '';
    var type = (m.from && m.from.type) || '';
    switch (m.type) {
      case 'Message':
      case 'PushUrl':
        // A Nexus image arrives as a message with `content` and maybe no text.
        var pics = images(m);
        var attached = (Array.isArray(m.content) ? m.content : []).some(function (c) { return c && c.contentType === 'Attachment'; });
        var li = line('msg msg-' + type, m.text || (attached ? 'sent a file: ' : !pics.length && m.content && m.content.length ? 'sent an image' : ''), m.index, name);
        pics.forEach(function (src) {
          var img = document.createElement('img');
          img.alt = 'an image from ' + (name || 'the chat');
          if (!prepend) { img.addEventListener('load', scrollDown); }
          img.src = src;
          li.appendChild(img);
        });
        richContent(li, m);
        break;
      case 'ParticipantJoined':
      case 'ParticipantLeft':
        joinOrLeave(m, original);
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
  // Web messaging keeps the message's `content` on it: attachments become links, a bot's
  // quick replies buttons that answer with their text.
  function richContent(li, m) {
    (Array.isArray(m.content) ? m.content : []).forEach(function (c) {
      if (c && c.contentType === 'Attachment' && c.attachment && /^https?:/.test(c.attachment.url || '')) {
        var a = document.createElement('a');
        a.href = c.attachment.url;
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = c.attachment.filename || 'a file';
        li.appendChild(a);
      } else if (c && c.contentType === 'QuickReply' && c.quickReply && !prepend) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'quick-reply';
        b.textContent = c.quickReply.text || '';
        b.addEventListener('click', function () {
          ui.command('WebChatService.sendMessage', { message: c.quickReply.text || '' }).fail(function (err) { showError(describe(err)); });
        });
        li.appendChild(b);
      }
    });
  }
  // Who joined or left when the transport gives no name (guest chat members).
  function someone(type) { return type === 'Agent' ? 'An agent' : type === 'Client' || type === 'Customer' ? 'You' : 'Someone'; }
  // A message on its way: "sending…", then "delivered" until the server's copy arrives.
  function pending(text) {
    var li = document.createElement('li');
    var t = document.createElement('span');
    t.textContent = text;
    var s = document.createElement('span');
    s.className = 'state';
    s.textContent = 'sending…';
    li.appendChild(t);
    li.appendChild(s);
    li.setAttribute('data-text', text);
    $('pending').appendChild(li);
    return { delivered: function () { s.textContent = 'delivered'; setTimeout(function () { li.remove(); }, 10000); }, failed: function () { li.remove(); } };
  }
  function echoed(text) {
    Array.prototype.slice.call($('pending').children).forEach(function (li) {
      if (li.getAttribute('data-text') === text && li.lastChild.textContent === 'delivered') { li.remove(); }
    });
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
  var transport = window._genesys.widgets.webchat.transport || {};
  var transportType = transport.type;
  // The name typed last, kept for the next chat (also after a reload).
  try { $('nickname').value = localStorage.getItem('demo.nickname') || ''; } catch (e) { /* no storage */ }
  $('transport').textContent = transportType === 'purecloud-v2-sockets' ? '(Genesys Cloud guest chat)' : transportType === 'pureengage-v3-rest' ? '(Nexus v3)' : transportType === 'genesys-web-messaging' ? '(Genesys Cloud Web Messaging)' : '(GMS)';
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
  ui.subscribe('WebChatService.started', function () {
    state = { chatting: true, ended: false, agent: null, agentLeft: false, offline: '' };
    paging.restored = false;
    older();
    showError('');
    $('start').disabled = false;
    refresh();
    show(true);
  });
  ui.subscribe('WebChatService.restored', function () {
    restored = true;
    state = { chatting: true, ended: false, agent: state.agent, agentLeft: state.agentLeft, offline: '' };
    paging.restored = true;
    older();
    showError('');
    line('system', 'Your chat was restored.');
    refresh();
    show(true);
    // The restored page of the transcript may not show the agent's join (Nexus async mode
    // shows the newest page): ask the service who is connected.
    ui.command('WebChatService.getAgents').done(function (r) {
      var agents = (r && r.agents) || {};
      learnNames(agents);
      var here = Object.keys(agents).filter(function (id) { return agents[id] && agents[id].connected && !agents[id].supervisor; });
      if (here.length && !state.agent && !state.agentLeft && state.chatting && !state.ended) {
        state.agent = agents[here[0]].name || 'an agent';
        refresh();
      }
    });
  });
  // The agent's name as each transport gives it: the join entry's `from.name` (GMS,
  // Nexus v3) or the member's `displayName` (guest chat).
  function agentName(d) {
    var m = (d && d.message) || {};
    return (m.from && (m.from.name || m.from.nickname)) || m.displayName || '';
  }
  ui.subscribe('WebChatService.agentConnected', function (e) {
    learnNames(e.data && e.data.agents);
    state.agent = agentName(e.data) || state.agent || 'an agent';
    state.agentLeft = false;
    refresh();
  });
  ui.subscribe('WebChatService.agentDisconnected', function () {
    if (!state.chatting) { return; }
    state.agent = null;
    state.agentLeft = true;
    $('agent-typing').hidden = true;
    refresh();
  });
  ui.subscribe('WebChatService.messageReceived', function (e) {
    // A history page comes newest first: each one goes on top of the previous.
    prepend = !!e.data.oldMessages;
    var originals = e.data.originalMessages || [];
    e.data.messages.forEach(function (m) {
      var id = m.from && (m.from.id || m.from.participantId);
      if (id && m.from.name) { names[id] = m.from.name; }
    });
    e.data.messages.forEach(function (m, i) {
      render(m, originals[i]);
      if (m.from && (m.from.type === 'Client' || m.from.type === 'Customer')) { echoed(m.text); }
      // A restored chat learns who is there from its transcript: a join, a leave, or (when
      // the join is on an older page) a message of the agent.
      if (m.from && m.from.type === 'Agent' && !prepend) {
        if (m.type === 'ParticipantJoined') { state.agent = m.from.name || state.agent || 'an agent'; state.agentLeft = false; }
        if (m.type === 'ParticipantLeft') { state.agent = null; state.agentLeft = true; }
        if (m.type === 'Message' && !state.agent && !state.agentLeft) { state.agent = m.from.name || 'an agent'; }
      }
    });
    prepend = false;
    refresh();
  });
  // Async mode pages back through the history (Nexus v3 with transport.async): of a chat
  // restored on this page (one started here has all its messages shown already).
  var asyncMode = transportType === 'pureengage-v3-rest' && !!(transport.async && transport.async.enabled);
  var paging = { restored: false, pagination: false, done: false };
  function older() { $('older').hidden = !(asyncMode && paging.restored && paging.pagination && !paging.done); }
  ui.subscribe('WebChatService.capabilitiesChanged', function (e) { paging.pagination = !!(e.data && e.data.pagination); older(); });
  $('older').addEventListener('click', function () {
    showError('');
    ui.command('WebChatService.fetchHistory').fail(function (err) {
      if (err === 'No more messages to fetch') { paging.done = true; older(); return; }
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
  function back() { state.offline = ''; showError(''); refresh(); }
  ui.subscribe('WebChatService.disconnected', function () { state.offline = 'connection lost, reconnecting…'; refresh(); });
  ui.subscribe('WebChatService.reconnected', back);
  ui.subscribe('WebChatService.chatServerWentOffline', function () { state.offline = 'chat server offline, retrying…'; refresh(); });
  ui.subscribe('WebChatService.chatServerBackOnline', back);
  ui.subscribe('WebChatService.restoreTimeout', function () { show(false); showError('Your previous chat had expired.'); refresh(); });
  ui.subscribe('WebChatService.restoreFailed', function () { show(false); showError('Your previous chat could not be restored.'); refresh(); });
  ui.subscribe('WebChatService.ended', function () {
    state.ended = true;
    state.agent = null;
    state.offline = '';
    refresh();
    $('agent-typing').hidden = true;
    line('system', 'The chat has ended.');
    $('message').disabled = true;
    $('send').disabled = true;
    $('file').disabled = true;
    $('end').textContent = 'New chat';
    $('end').focus();
  });

  $('start-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError('');
    paging.done = false;
    present = {};
    $('transcript').textContent = '';
    $('pending').textContent = '';
    $('message').disabled = false;
    $('send').disabled = false;
    $('file').disabled = false;
    $('end').textContent = 'End chat';
    // Both shapes, as the Genesys WebChat UI sends them: the flat fields (GMS reads
    // these) and `form` (guest chat reads that).
    var form = { nickname: $('nickname').value, email: $('email').value, subject: $('subject').value };
    try { localStorage.setItem('demo.nickname', form.nickname); } catch (e) { /* no storage */ }
    // One start at a time: a second click would be refused while the first one works.
    $('start').disabled = true;
    status('connecting…');
    ui.command('WebChatService.startChat', {
      nickname: form.nickname, email: form.email, subject: form.subject,
      form: form,
      userData: { page: 'demo' }
    }).fail(function (err) { $('start').disabled = false; refresh(); showError(describe(err)); });
  });
  $('send-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('message').value;
    if (!text.trim()) { return; }
    $('message').value = '';
    var item = pending(text);
    ui.command('WebChatService.sendMessage', { message: text }).done(function () {
      item.delivered();
      showError('');
    }).fail(function (err) {
      // A refused message goes back to the input, unless something new is typed there.
      item.failed();
      if (!$('message').value) { $('message').value = text; }
      showError(describe(err));
    });
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
    if ($('end').textContent === 'New chat') { state = { chatting: false, ended: false, agent: null, agentLeft: false, offline: '' }; showError(''); refresh(); show(false); $('nickname').focus(); return; }
    ui.command('WebChatService.endChat').fail(function (err) { showError(describe(err)); });
  });
})();
