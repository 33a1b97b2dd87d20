#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod actions;
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod page;
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod sim;
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod webdriver;
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
pub mod guest_sim;
