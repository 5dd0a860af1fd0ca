//! A Distributed Map's `ItemBatcher` at run time: the items grouped, in order, into
//! batches of at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes; each
//! child execution gets `{"Items": [...]}`, with `"BatchInput"` when the batcher gives
//! one. AWS's developer guide, "ItemBatcher (Map)"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html>):
//! the batch input's shape, the limits and their 256 KiB ceiling.

use super::map::{evaluated, integer, not_a_number, select};
use super::Stop;
use crate::sfn::definition::{Given, ItemBatcher};
use crate::sfn::errors::Failure;
use crate::sfn::path::Scope;
use serde_json::{json, Value};

/// A batch's input is at most 256 KiB ("ItemBatcher (Map)", MaxInputBytesPerBatch).
const MAX_BATCH_BYTES: u64 = 256 * 1024;

/// The limits read from the definition or the input.
pub(super) struct BatchLimits {
    items: Option<u64>,
    bytes: u64,
    batch_input: Option<Value>,
}

impl ItemBatcher {
    /// Reads the limits (a `...Path` may give a number as a string, as a variable
    /// `Assign` set to `"2"` does in test_assign_reference_variables.
    /// test_reference_in_map_state_max_items_path[MAP_STATE_REFERENCE_IN_MAX_PER_BATCH_PATH],
    /// which AWS ran) and renders `BatchInput`.
    pub(super) fn limits(&self, input: &Value, scope: Scope) -> Result<BatchLimits, Stop> {
        let read = |given: &Option<Given<u64>>, field: &str| -> Result<Option<u64>, Stop> {
            match given {
                None => Ok(None),
                Some(Given::Value(n)) => Ok(Some(*n)),
                Some(Given::Expression(t)) => Ok(Some(evaluated(t, field, input, scope)? as u64)),
                Some(Given::Path(path)) => {
                    let value = select(path, input, scope)?;
                    match integer(&value) {
                        Some(n) if n > 0 => Ok(Some(n as u64)),
                        // No recording shows AWS's words for a value below 1.
                        Some(n) => Err(Stop::Failed(Failure::runtime(format!(
                            "The {field} field refers to value {n}, which is not a positive integer: {path}"
                        )))),
                        None => Err(not_a_number(field, &value, "integer", path)),
                    }
                }
            }
        };
        let items = read(&self.max_items, "MaxItemsPerBatchPath")?;
        let bytes = read(&self.max_bytes, "MaxInputBytesPerBatchPath")?
            .map_or(MAX_BATCH_BYTES, |b| b.min(MAX_BATCH_BYTES));
        let batch_input = match &self.batch_input {
            None => None,
            Some(template) if self.jsonata => Some(
                template
                    .render(&super::states_of(input, scope.context, None), scope)
                    .map_err(Stop::Failed)?,
            ),
            Some(template) => Some(template.render(input, scope).map_err(Stop::Failed)?),
        };
        Ok(BatchLimits {
            items,
            bytes,
            batch_input,
        })
    }
}

impl BatchLimits {
    /// The batches, in item order. A batch grows while it stays within both limits; an
    /// item that alone is over the byte limit gets a batch of its own (no recording
    /// shows what AWS does with one).
    pub(super) fn batches(&self, items: Vec<Value>) -> Vec<Value> {
        let wrap = |items: Vec<Value>| -> Value {
            let mut batch = json!({"Items": items});
            if let Some(input) = &self.batch_input {
                batch["BatchInput"] = input.clone();
            }
            batch
        };
        let mut batches = vec![];
        let mut current: Vec<Value> = vec![];
        for item in items {
            let full = self.items.is_some_and(|n| current.len() as u64 >= n);
            let over = !current.is_empty() && {
                let mut candidate = current.clone();
                candidate.push(item.clone());
                wrap(candidate).to_string().len() as u64 > self.bytes
            };
            if full || over {
                batches.push(wrap(std::mem::take(&mut current)));
            }
            current.push(item);
        }
        if !current.is_empty() {
            batches.push(wrap(current));
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_by_count_and_by_bytes() {
        let limits = BatchLimits {
            items: Some(2),
            bytes: MAX_BATCH_BYTES,
            batch_input: None,
        };
        assert_eq!(
            limits.batches(vec![json!(1), json!(2), json!(3)]),
            vec![json!({"Items": [1, 2]}), json!({"Items": [3]})]
        );
        // Two items with the BatchInput are over 24 bytes: one item per batch.
        let limits = BatchLimits {
            items: None,
            bytes: 24,
            batch_input: Some(json!({"k": 1})),
        };
        assert_eq!(
            limits.batches(vec![json!("aaaa"), json!("bbbb")]),
            vec![
                json!({"Items": ["aaaa"], "BatchInput": {"k": 1}}),
                json!({"Items": ["bbbb"], "BatchInput": {"k": 1}})
            ]
        );
        assert!(limits.batches(vec![]).is_empty());
    }
}
