// Nexus v3 images: the visitor uploads an image (sendFile to .../images) and a text file
// (refused: INVALID_FILE_TYPE), the agent sends an image whose content the plugin fetches
// with the client key and publishes as a data URL, and the server ends the chat.
const choose = (name, size, type) => ({
  eval: `(() => { const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(${size}).fill(7)], ${JSON.stringify(name)}, {type: ${JSON.stringify(type)}})); document.getElementById('file-input').files = dt.files; })()`,
});
const send = { cmd: 'WebChatService.sendFile', dataJs: "({files: document.getElementById('file-input')})" };

export default {
  description: 'Nexus v3 image upload, refused file type, agent image as a data URL, server ends the chat',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 1000 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Ida' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', match: 'Anna', timeout: 8000 },
    choose('photo.png', 16, 'image/png'),
    send,
    { waitFor: 'WebChatService.messageReceived', match: 'image/png', timeout: 8000 },
    choose('notes.txt', 16, 'text/plain'),
    send,
    { wait: 800 },
    { control: 'agentSendImage', body: { backend: 'nexus', text: 'look at this' } },
    { waitFor: 'WebChatService.messageReceived', match: 'look at this', timeout: 8000 },
    { cmd: 'WebChatService.getTranscript' },
    { control: 'serverEndChat', body: { backend: 'nexus' } },
    { wait: 2500 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.sendMessage', data: { message: 'after the end' } },
    { snapshot: 'cookies' },
  ],
};
