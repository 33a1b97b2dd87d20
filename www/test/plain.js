/* The plain page's chat UI: bus commands and events only, every text set as textContent. */
(function () {
  'use strict';
  var chat = window.CXBus.registerPlugin('PlainPage');
  var $ = function (id) { return document.getElementById(id); };
  function show(text) {
    var li = document.createElement('li');
    li.textContent = text;
    $('transcript').appendChild(li);
  }
  chat.subscribe('WebChatService.messageReceived', function (e) {
    e.data.messages.forEach(function (m) {
      if (m.type === 'Message') { show(m.from.name + ': ' + m.text); }
    });
  });
  $('start').addEventListener('submit', function (ev) {
    ev.preventDefault();
    chat.command('WebChatService.startChat', { nickname: $('name').value })
      .fail(function (err) { show('Could not start: ' + JSON.stringify(err)); });
  });
  $('send').addEventListener('submit', function (ev) {
    ev.preventDefault();
    chat.command('WebChatService.sendMessage', { message: $('text').value })
      .fail(function (err) { show('Not sent: ' + JSON.stringify(err)); });
    $('text').value = '';
  });
})();
