/* The plain page's configuration (GMS on the stand-in), as a file. */
window._genesys = { widgets: { webchat: { dataURL: location.origin + '/genesys/2/chat/customer-support' } } };
