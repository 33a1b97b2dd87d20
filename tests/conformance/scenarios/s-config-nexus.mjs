// Nexus v3 configuration: an endpoint of the wrong type is ignored (the server refuses the
// start: INVALID_ENDPOINT), stream and clientType go into the create form, userData.phone
// becomes PhoneNumber, maxMessagePageSize below 16 is raised, then updateUserData and end.
export default {
  description: 'Nexus v3 options: wrong-typed endpoint, stream, clientType, phone mapping, page size floor',
  backend: 'nexus',
  widgets: { webchat: { userData: { phone: '555-0199', tier: 'silver' }, transport: { pollTimeout: 1500, endpoint: 42, stream: 'harness-stream', clientType: 'harness-client', maxMessagePageSize: 4 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Cleo', nickname: 'C' } } },
    { wait: 800 },
    { cmd: 'WebChatService.getSessionData' },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.endChat' },
    { wait: 500 },
    { cmd: 'WebChatService.updateUserData', data: { late: 'yes' } },
    { wait: 500 },
    { snapshot: 'cookies' },
  ],
};
