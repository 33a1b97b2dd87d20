/*
 * The demo page's configuration: what a Genesys Widgets page already has, pointed at the
 * local stand-in. In a file of its own, so the page runs under a Content-Security-Policy
 * without 'unsafe-inline' (README, "Content Security Policy").
 *
 * Default: Genesys Engage GMS (Chat API v2). With ?transport=guest: Genesys Cloud guest
 * chat (purecloud-v2-sockets); with ?transport=nexus: Genesys Multicloud CX Nexus v3
 * (pureengage-v3-rest); ?transport=nexus&async=1 adds async mode, the chat kept by the
 * integrator's functions below (here in localStorage) instead of cookies, and history
 * pages; with ?transport=webmessaging: Genesys Cloud Web Messaging (genesys-web-messaging;
 * on Genesys Cloud, `domain: 'mypurecloud.com'` replaces the three URLs). Point dataURL
 * (or the URLs) at a real backend and nothing else changes.
 */
(function () {
  'use strict';
  var guest = /[?&]transport=guest/.test(location.search);
  var nexus = /[?&]transport=nexus/.test(location.search);
  var webmessaging = /[?&]transport=webmessaging/.test(location.search);
  var ws = location.origin.replace(/^http/, 'ws');
  var nexusAsync = nexus && /[?&]async=1/.test(location.search) ? {
    enabled: true,
    // Given {token, messageIndex} as the chat goes: keep it.
    getSessionData: function (sessionData) { localStorage.setItem('demo.nexus.session', JSON.stringify(sessionData)); },
    // Asked for it back (after a reload, or in another tab).
    setSessionData: function () { return localStorage.getItem('demo.nexus.session') || ''; },
    // The session is gone.
    deleteSessionData: function () { localStorage.removeItem('demo.nexus.session'); }
  } : undefined;
  window._genesys = {
    widgets: {
      main: {},
      webchat: webmessaging ? {
        userData: { demo: 'true' },
        transport: {
          type: 'genesys-web-messaging',
          deploymentId: 'demo-deployment',
          webSocketURL: ws + '/v1',
          apiURL: location.origin,
          deploymentConfigURL: location.origin + '/webdeployments/v1/deployments/demo-deployment/config.json'
        }
      } : guest ? {
        userData: { demo: 'true' },
        transport: {
          type: 'purecloud-v2-sockets',
          dataURL: location.origin,
          deploymentKey: 'demo-deployment',
          orgGuid: 'demo-organization',
          interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support' } }
        }
      } : nexus ? {
        userData: { demo: 'true' },
        transport: {
          type: 'pureengage-v3-rest',
          dataURL: location.origin + '/nexus/v3/chat/sessions',
          endpoint: 'demo-endpoint',
          headers: { 'x-api-key': 'demo-key' },
          pollTimeout: 1000,
          maxMessagePageSize: 16,
          async: nexusAsync
        }
      } : {
        dataURL: location.origin + '/genesys/2/chat/customer-support',
        userData: { demo: 'true' }
      }
    }
  };
})();
