//! The three state machines of the stack, one file each: `main` (the one users start),
//! `train` (a SageMaker training job and its model) and `deploy` (an endpoint or a batch
//! transform); `registry` holds the Main machine's model registry states.

pub(crate) mod deploy;
pub(crate) mod main;
pub(crate) mod registry;
pub(crate) mod train;
