//! The window's behaviour tests (egui_kittest, no GPU), one binary: the main window's
//! panels, cards and views, and the reservoir-computer cards.

mod reservoir;
mod window;
