#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod page;
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod webdriver;
