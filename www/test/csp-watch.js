/*
 * Loaded first by every page the stand-in serves with `csp=1` (standin/src/files.rs):
 * records each Content-Security-Policy violation of the page, for tests/csp.rs to read.
 */
(function () {
  'use strict';
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') +
      ' (' + (e.sourceFile || 'the page') + ':' + e.lineNumber + ')');
  });
})();
