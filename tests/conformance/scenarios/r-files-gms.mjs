// GMS file transfer: limits, an upload that arrives by poll as FileUploaded, each limit
// error (size, type, count), an upload whose connection drops, one refused with 500, a
// download, and the limits' used counters afterwards.
const choose = (name, size, type) => ({
  eval: `(() => { const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(${size}).fill(97)], ${JSON.stringify(name)}, {type: ${JSON.stringify(type)}})); document.getElementById('file-input').files = dt.files; })()`,
});
const send = { cmd: 'WebChatService.sendFile', dataJs: "({files: document.getElementById('file-input')})" };

export default {
  description: 'GMS file limits, upload, upload errors, network failure and download',
  backend: 'gms',
  steps: [
    { cmd: 'WebChatService.startChat', data: { nickname: 'Fay' } },
    { waitFor: 'WebChatService.clientConnected' },
    { cmd: 'WebChatService.getFileLimits' },
    { wait: 300 },
    choose('note.txt', 12, 'text/plain'),
    send,
    { waitFor: 'WebChatService.messageReceived', match: 'FileUploaded', timeout: 8000 },
    { control: 'gmsOptions', body: { fileLimits: { 'upload-max-file-size': '10' } } },
    choose('big.pdf', 20, 'application/pdf'),
    send,
    { wait: 500 },
    { control: 'gmsOptions', body: { fileLimits: null } },
    choose('setup.exe', 5, 'application/octet-stream'),
    send,
    { wait: 500 },
    { control: 'failNext', body: { api: 'gms', op: 'file', mode: 'close' } },
    choose('photo.png', 8, 'image/png'),
    send,
    { wait: 800 },
    { control: 'failNext', body: { api: 'gms', op: 'file', status: 500 } },
    send,
    { wait: 500 },
    { control: 'gmsOptions', body: { fileLimits: { 'upload-max-files': '1' } } },
    choose('second.txt', 4, 'text/plain'),
    send,
    { wait: 500 },
    { cmd: 'WebChatService.downloadFile', data: { fileId: 'file-1' } },
    { wait: 500 },
    { cmd: 'WebChatService.getFileLimits' },
    { wait: 300 },
    { cmd: 'WebChatService.endChat' },
    { waitFor: 'WebChatService.ended', timeout: 5000 },
  ],
};
