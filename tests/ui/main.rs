//! The window's behaviour tests (egui_kittest, no GPU), one binary: the main window's
//! panels, cards and views, the reservoir-computer cards, and "Compare all" against
//! `chaoslab compare`.

mod common;
mod matches_cli;
mod reservoir;
mod window;
