// Nexus v3 answers lost or late after the server acted: a poll whose answer comes 8 s late
// (the server's cursor has moved past the agent's message it carries) and a send whose
// answer comes 8 s late (the server stored it; its copy comes back in a poll meanwhile).
// Every message arrives once, every command settles, and the chat goes on.
export default {
  description: 'Nexus v3 poll and send answered late after the server processed them',
  backend: 'nexus',
  widgets: { webchat: { ajaxTimeout: 3000, transport: { pollTimeout: 1000 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Lia' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'lateNext', body: { backend: 'nexus', op: 'poll', delayMs: 8000 } },
    { wait: 1500 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'carried by a late poll' } },
    { waitFor: 'WebChatService.messageReceived', match: 'carried by a late poll', timeout: 15000 },
    { wait: 1000 },
    { control: 'lateNext', body: { backend: 'nexus', op: 'send', delayMs: 8000 } },
    { cmd: 'WebChatService.sendMessage', data: { message: 'answered late' } },
    { waitFor: 'WebChatService.messageReceived', match: 'answered late', timeout: 15000 },
    { wait: 9000 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'after the late answers' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after the late answers', timeout: 8000 },
    { cmd: 'WebChatService.getTranscript' },
  ],
};
