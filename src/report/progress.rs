//! How long work reports what it is doing without printing: the AWS commands and the
//! local runner call a [`Progress`], which the command line's output module implements
//! (text with one spinner on a terminal, plain lines otherwise, JSON lines with `--json`).

use crate::sfn::Event;
use serde::Serialize;

/// An execution that has just started, and where to follow it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Started {
    pub(crate) execution_arn: String,
    pub(crate) name: String,
    /// Local runs: the history file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) history: Option<String>,
    /// AWS runs: the console page of the execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) console_url: Option<String>,
    /// What the input asks for, in words (text mode only).
    #[serde(skip)]
    pub(crate) description: String,
}

/// Where long work reports to.
pub(crate) trait Progress {
    /// A line worth keeping: a step done, a stack event, a note.
    fn line(&mut self, text: &str);
    /// What is happening now: a spinner's message on a terminal (nothing otherwise).
    fn status(&mut self, text: &str);
    /// A step of long work begins: the spinner's message on a terminal, a plain line
    /// otherwise (so a log shows what was running when it stopped).
    fn step(&mut self, text: &str);
    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
    /// A line of the result that is known before the work ends (text mode only), printed
    /// on stdout as it comes: e.g. an execution's status before its events follow.
    fn output(&mut self, text: &str);
    /// An execution started.
    fn started(&mut self, started: &Started);
    /// Something happened in an execution.
    fn event(&mut self, event: &Event);
}
