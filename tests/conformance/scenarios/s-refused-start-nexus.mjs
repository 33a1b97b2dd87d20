// Nexus v3 starts the server refuses in every way (401 and 403 with a status envelope, 503
// with no body, 200 without a clientToken, no answer before ajaxTimeout): each rejects and
// publishes its error, and the next startChat starts; then the chat works.
export default {
  description: 'Nexus v3 refused starts (401, 403, 503, no token, no answer) leave the plugin ready to start',
  backend: 'nexus',
  widgets: { webchat: { ajaxTimeout: 3000, transport: { pollTimeout: 1000 } } },
  steps: [
    { control: 'failNext', body: { api: 'nexus', op: 'create', status: 401, body: { status: { code: 'AUTHENTICATION_REQUIRED', message: 'no key' } } } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { wait: 500 },
    { control: 'failNext', body: { api: 'nexus', op: 'create', status: 403, body: { status: { code: 'INVALID_CONTACT_CENTER', message: 'bad key' } } } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { wait: 500 },
    { control: 'failNext', body: { api: 'nexus', op: 'create', status: 503 } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { wait: 500 },
    { control: 'failNext', body: { api: 'nexus', op: 'create', status: 200, body: { status: { code: 0 }, data: {} } } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { wait: 500 },
    { control: 'failNext', body: { api: 'nexus', op: 'create', mode: 'hang' } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { wait: 4000 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Flo' } } },
    { waitFor: 'WebChatService.started', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'after the refusals' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after the refusals', timeout: 8000 },
    { cmd: 'WebChatService.getSessionData' },
  ],
};
