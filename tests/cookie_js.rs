//! The `Cookie` the integrator's async-mode functions get (www/helpers.js) behaves as the
//! js-cookie 2 object the shipped transport hands over: the same API, the same encoding
//! (cookies written by either read the same), run in Node against a stand-in
//! `document.cookie`.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

/// Runs `body` in Node with `Cookie` (from www/helpers.js) and a `document` whose
/// `cookie` keeps `name=value` pairs as a browser does; prints what `body` returns.
fn run(body: &str) -> String {
    let helpers = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/helpers.js")).expect("www/helpers.js");
    let script = format!(
        r#"
var jar = [];
var document = {{
  get cookie() {{ return jar.map(function (c) {{ return c[0] + '=' + c[1]; }}).join('; '); }},
  set cookie(s) {{
    var first = s.split('; ')[0], at = first.indexOf('='), name = first.slice(0, at), value = first.slice(at + 1);
    jar = jar.filter(function (c) {{ return c[0] !== name; }});
    var exp = /; expires=([^;]*)/.exec(s);
    if (!exp || new Date(exp[1]) > new Date()) {{ jar.push([name, value]); }}
  }}
}};
var out = (function () {{
{helpers}
var Cookie = helpers.Cookie;
return (function () {{ {body} }})();
}})();
process.stdout.write(JSON.stringify(out));
"#
    );
    let o = Command::new("node").arg("-e").arg(&script).output().expect("node runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `set` writes JSON with `{ } :` readable, `path` first, attributes in order, a bare
/// `secure`; it returns what it wrote.
#[test]
fn set_encodes_as_js_cookie_2() {
    let out = run(r#"return [
        Cookie.set('j', {token: 'a.b-c_d', messageIndex: 0}, {domain: '.x.com', samesite: 'strict'}),
        Cookie.set('e', 'x', {expires: new Date(0), secure: true, foo: 'bar'}).replace(/expires=[^;]*/, 'expires=D'),
        Cookie.set('n(1)', 'a b;c', {})];"#);
    assert_eq!(
        out,
        r#"["j={%22token%22:%22a.b-c_d%22%2C%22messageIndex%22:0}; path=/; domain=.x.com; samesite=strict","e=x; path=/; expires=D; secure; foo=bar","n%281%29=a%20b%3Bc; path=/"]"#
    );
}

/// `get` decodes runs of upper-case %XX only, skips a cookie that does not decode, and
/// gives every cookie for no name; `getJSON` parses; `remove` expires it.
#[test]
fn get_get_json_and_remove_read_as_js_cookie_2() {
    let out = run(r#"
        Cookie.set('j', {token: 't', messageIndex: 3});
        jar.push(['low', 'a%2fb']);
        jar.push(['bad', '%E0%A4%A']);
        var all = Cookie.get();
        var r = [Cookie.getJSON('j').messageIndex, Cookie.get('j'), Cookie.get('low'), Cookie.get('bad'), Object.keys(all).join(','), typeof Cookie.get('')];
        Cookie.remove('j');
        r.push(Cookie.get('j'));
        return r;"#);
    assert_eq!(out, r#"[3,"{\"token\":\"t\",\"messageIndex\":3}","a%2fb",null,"j,low","object",null]"#);
}

/// `defaults` apply to every `set`; `withConverter` gives the same API with the
/// integrator's read and write.
#[test]
fn defaults_and_with_converter() {
    let out = run(r#"
        Cookie.defaults.domain = '.shop.test';
        var a = Cookie.set('d', '1');
        Cookie.defaults = {};
        var C = Cookie.withConverter({ write: function (v) { return 'w' + v; }, read: function (v) { return v.toUpperCase(); } });
        C.set('c', 'x');
        return [a, Cookie.get('c'), C.get('c'), typeof C.withConverter, typeof C.getJSON];"#);
    assert_eq!(out, r#"["d=1; path=/; domain=.shop.test","wx","WX","function","function"]"#);
}
