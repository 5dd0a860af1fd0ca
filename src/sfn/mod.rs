//! The States Language interpreter: loads and checks a machine ([`definition`]), runs it
//! ([`interpreter`], Parallel and Map states included) with reference paths ([`path`]),
//! payload templates ([`payload`]), intrinsic functions ([`intrinsics`]), JSONata
//! expressions for states whose `QueryLanguage` is JSONata ([`jsonata`]), Choice rules
//! ([`choice`]), the context object ([`context`]) and an execution history in the API's
//! shape ([`history`]). It also owns what every runner shares about executions: the one
//! status and the events ([`events`]), the execution-name rule and ARNs ([`names`]), ids
//! and timestamps ([`ids`], [`time`]), and where a redriven execution continues
//! ([`redrive`]).
//!
//! This module never does I/O: Tasks go through the [`interpreter::Host`] trait, which
//! the local runner (`crate::local`) implements. It imports nothing of the crate but
//! itself (checked by the architecture test).

pub(crate) mod choice;
pub(crate) mod context;
pub(crate) mod definition;
pub(crate) mod errors;
pub(crate) mod events;
pub(crate) mod explain;
pub(crate) mod history;
pub(crate) mod ids;
pub(crate) mod interpreter;
pub(crate) mod intrinsics;
pub(crate) mod jsonata;
pub(crate) mod names;
pub(crate) mod path;
pub(crate) mod payload;
pub(crate) mod redrive;
pub(crate) mod time;

pub(crate) use events::Event;

// The interpreter's public face: what the differential and AWS-recorded tests in tests/
// drive directly. Everything else is crate-private.
pub use context::ExecutionInfo;
pub use definition::Definition;
pub use errors::{Failure, LoadError};
pub use events::ExecutionStatus;
pub use history::HistoryEvent;
pub use interpreter::{execute, ExecutionOutcome, Host, TaskCall};
pub use time::Timestamp;
