//! Loading a Distributed Map's `ItemReader` (where its items come from: an S3 object
//! read as JSON, JSON Lines or CSV, or an S3 listing) and `ItemBatcher` (how items are
//! grouped into one child execution's input). The rules are AWS's, from its developer
//! guide pages "ItemReader (Map)"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>)
//! and "ItemBatcher (Map)"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html>).

use super::{Fields, Given, Loader};
use crate::sfn::errors::LoadError;
use crate::sfn::path::compact;
use crate::sfn::payload::Template;
use serde_json::Value;

/// The largest `MaxItems`: a Distributed Map reads at most 100,000,000 items ("ItemReader
/// (Map)", ReaderConfig.MaxItems; LocalStack's test_map_item_reader_csv_max_items notes
/// AWS's linter refuses a larger literal at CreateStateMachine).
pub(crate) const MAX_ITEMS: u64 = 100_000_000;

/// A Map's `ItemReader`.
#[derive(Debug, Clone)]
pub(crate) struct ItemReader {
    pub(crate) source: Source,
    /// `Parameters`: the S3 request (`Bucket`, `Key` for getObject; `Bucket`, `Prefix`
    /// for listObjectsV2), rendered from the state's effective input.
    pub(crate) parameters: Option<Template>,
    /// `ReaderConfig.MaxItems` / `MaxItemsPath`: read at most this many items (0: all).
    pub(crate) max_items: Option<Given<u64>>,
    /// The state is JSONata: `Arguments` (for `Parameters`) and the numbers are rendered
    /// from `$states`.
    pub(crate) jsonata: bool,
}

/// What the reader reads ("ItemReader (Map)": the `Resource`s it names).
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// `arn:aws:states:::s3:getObject`: one object, parsed as `ReaderConfig.InputType` says.
    Object(Format),
    /// `arn:aws:states:::s3:listObjectsV2`: each object of the listing is an item.
    Listing,
}

/// `ReaderConfig.InputType` of an object.
#[derive(Debug, Clone)]
pub(crate) enum Format {
    /// A JSON array: each element is an item.
    Json,
    /// JSON Lines: each line is an item.
    Jsonl,
    /// Each row is an item: an object from the headers to the row's values, all strings.
    Csv { headers: CsvHeaders, delimiter: u8 },
}

/// `ReaderConfig.CSVHeaderLocation`.
#[derive(Debug, Clone)]
pub(crate) enum CsvHeaders {
    /// `FIRST_ROW`: the object's first row names the columns.
    FirstRow,
    /// `GIVEN`: `ReaderConfig.CSVHeaders` names them.
    Given(Vec<String>),
}

/// A Map's `ItemBatcher`: each child execution gets `{"Items": [...]}` (with
/// `"BatchInput"` when given) instead of one item.
#[derive(Debug, Clone)]
pub(crate) struct ItemBatcher {
    /// `MaxItemsPerBatch` / `MaxItemsPerBatchPath`.
    pub(crate) max_items: Option<Given<u64>>,
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath`: the batch's JSON text at
    /// most this long (AWS's limit, 256 KiB, when not given).
    pub(crate) max_bytes: Option<Given<u64>>,
    /// `BatchInput`: rendered from the state's effective input, the same for every batch.
    pub(crate) batch_input: Option<Template>,
    /// The state is JSONata: `BatchInput` and the numbers are rendered from `$states`.
    pub(crate) jsonata: bool,
}

impl Loader<'_> {
    /// `ItemReader` of the Map state `state`, if any.
    pub(super) fn item_reader(
        &self,
        state: &str,
        fields: Fields,
    ) -> Result<Option<ItemReader>, crate::sfn::errors::LoadError> {
        let Some(raw) = fields.get("ItemReader") else {
            return Ok(None);
        };
        let at = |key: &str| format!("ItemReader.{key}");
        let reader = raw.as_object().ok_or_else(|| {
            self.error(
                Some(state),
                Some("ItemReader"),
                format!("must be an object, got {}", compact(raw)),
            )
        })?;
        for key in reader.keys() {
            // Under JSONata the request is `Arguments`.
            let request = if self.jsonata.get() {
                "Arguments"
            } else {
                "Parameters"
            };
            if !["Resource", request, "ReaderConfig"].contains(&key.as_str()) {
                return Err(self.error(
                    Some(state),
                    Some(&at(key)),
                    format!(
                        "is not a field of ItemReader (allowed: Resource, {request}, ReaderConfig)"
                    ),
                ));
            }
        }
        let empty = serde_json::Map::new();
        let config = match reader.get("ReaderConfig") {
            None => &empty,
            Some(Value::Object(config)) => config,
            Some(other) => {
                return Err(self.error(
                    Some(state),
                    Some(&at("ReaderConfig")),
                    format!("must be an object, got {}", compact(other)),
                ))
            }
        };
        let config_at = |key: &str| format!("ItemReader.ReaderConfig.{key}");
        for key in config.keys() {
            if ![
                "InputType",
                "CSVHeaderLocation",
                "CSVHeaders",
                "CSVDelimiter",
                "MaxItems",
                "MaxItemsPath",
            ]
            .contains(&key.as_str())
            {
                return Err(self.error(
                    Some(state),
                    Some(&config_at(key)),
                    "is not supported by the local runner (it reads InputType JSON, JSONL and CSV, with CSVHeaderLocation, CSVHeaders, CSVDelimiter, MaxItems or MaxItemsPath)",
                ));
            }
        }
        let text = |key: &str| -> Result<Option<&str>, crate::sfn::errors::LoadError> {
            match config.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(self.error(
                    Some(state),
                    Some(&config_at(key)),
                    format!("must be a string, got {}", compact(other)),
                )),
            }
        };
        let source = match reader.get("Resource").and_then(Value::as_str) {
            Some("arn:aws:states:::s3:listObjectsV2") => {
                if config.contains_key("InputType") {
                    return Err(self.error(
                        Some(state),
                        Some(&config_at("InputType")),
                        "a listObjectsV2 reader's items are the objects listed: give InputType only with s3:getObject",
                    ));
                }
                for key in ["CSVHeaderLocation", "CSVHeaders", "CSVDelimiter"] {
                    if config.contains_key(key) {
                        return Err(self.error(
                            Some(state),
                            Some(&config_at(key)),
                            "only for InputType CSV, with s3:getObject",
                        ));
                    }
                }
                Source::Listing
            }
            Some("arn:aws:states:::s3:getObject") => {
                let format = match text("InputType")? {
                    Some("JSON") => Format::Json,
                    Some("JSONL") => Format::Jsonl,
                    Some("CSV") => Format::Csv {
                        headers: self.csv_headers(state, config)?,
                        delimiter: self.csv_delimiter(state, config)?,
                    },
                    Some(other @ ("MANIFEST" | "PARQUET")) => {
                        return Err(self.error(
                            Some(state),
                            Some(&config_at("InputType")),
                            format!("`{other}` is not supported by the local runner (it reads JSON, JSONL and CSV objects)"),
                        ))
                    }
                    Some(other) => {
                        return Err(self.error(
                            Some(state),
                            Some(&config_at("InputType")),
                            format!("`{other}`: give JSON, JSONL or CSV"),
                        ))
                    }
                    None => {
                        return Err(self.error(
                            Some(state),
                            Some(&config_at("InputType")),
                            "required with s3:getObject: how to read the object (JSON, JSONL or CSV)",
                        ))
                    }
                };
                if !matches!(format, Format::Csv { .. }) {
                    for key in ["CSVHeaderLocation", "CSVHeaders", "CSVDelimiter"] {
                        if config.contains_key(key) {
                            return Err(self.error(
                                Some(state),
                                Some(&config_at(key)),
                                "only for InputType CSV",
                            ));
                        }
                    }
                }
                Source::Object(format)
            }
            _ => {
                return Err(self.error(
                    Some(state),
                    Some(&at("Resource")),
                    format!(
                        "{}: the local runner reads items with arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2",
                        reader.get("Resource").map(compact).unwrap_or_else(|| "required".into())
                    ),
                ))
            }
        };
        let max_items = self.given_u64(state, config, "MaxItems").map_err(|e| {
            crate::sfn::errors::LoadError {
                field: e.field.map(|f| format!("ItemReader.ReaderConfig.{f}")),
                ..e
            }
        })?;
        if let Some(Given::Value(n)) = max_items {
            if n > MAX_ITEMS {
                return Err(self.error(
                    Some(state),
                    Some(&config_at("MaxItems")),
                    format!("{n}: at most {MAX_ITEMS}"),
                ));
            }
        }
        let parameters = match (self.jsonata.get(), reader.get("Parameters")) {
            (true, _) => self
                .template(state, reader, "Arguments")
                .map_err(|e| LoadError {
                    field: Some(at(e.field.as_deref().unwrap_or("Arguments"))),
                    ..e
                })?,
            (false, None) => None,
            (false, Some(value)) => Some(Template::compile(value).map_err(|(path, why)| {
                self.error(Some(state), Some(&at(&format!("Parameters.{path}"))), why)
            })?),
        };
        Ok(Some(ItemReader {
            source,
            parameters,
            max_items,
            jsonata: self.jsonata.get(),
        }))
    }

    fn csv_headers(
        &self,
        state: &str,
        config: Fields,
    ) -> Result<CsvHeaders, crate::sfn::errors::LoadError> {
        let at = |key: &str| format!("ItemReader.ReaderConfig.{key}");
        match config.get("CSVHeaderLocation").and_then(Value::as_str) {
            Some("FIRST_ROW") if config.contains_key("CSVHeaders") => Err(self.error(
                Some(state),
                Some(&at("CSVHeaders")),
                "only with CSVHeaderLocation GIVEN (FIRST_ROW reads them from the object)",
            )),
            Some("FIRST_ROW") => Ok(CsvHeaders::FirstRow),
            Some("GIVEN") => {
                let headers = config
                    .get("CSVHeaders")
                    .and_then(Value::as_array)
                    .and_then(|items| {
                        items
                            .iter()
                            .map(|h| h.as_str().map(str::to_string))
                            .collect::<Option<Vec<String>>>()
                    })
                    .filter(|headers| !headers.is_empty())
                    .ok_or_else(|| {
                        self.error(
                            Some(state),
                            Some(&at("CSVHeaders")),
                            "required with CSVHeaderLocation GIVEN: a non-empty array of column names",
                        )
                    })?;
                Ok(CsvHeaders::Given(headers))
            }
            _ => Err(self.error(
                Some(state),
                Some(&at("CSVHeaderLocation")),
                format!(
                    "{}: give FIRST_ROW or GIVEN (required with InputType CSV)",
                    config
                        .get("CSVHeaderLocation")
                        .map(compact)
                        .unwrap_or_else(|| "missing".into())
                ),
            )),
        }
    }

    /// `CSVDelimiter`: COMMA (the default), PIPE, SEMICOLON, SPACE or TAB ("ItemReader
    /// (Map)", ReaderConfig).
    fn csv_delimiter(
        &self,
        state: &str,
        config: Fields,
    ) -> Result<u8, crate::sfn::errors::LoadError> {
        match config.get("CSVDelimiter") {
            None => Ok(b','),
            Some(value) => match value.as_str() {
                Some("COMMA") => Ok(b','),
                Some("PIPE") => Ok(b'|'),
                Some("SEMICOLON") => Ok(b';'),
                Some("SPACE") => Ok(b' '),
                Some("TAB") => Ok(b'\t'),
                _ => Err(self.error(
                    Some(state),
                    Some("ItemReader.ReaderConfig.CSVDelimiter"),
                    format!(
                        "{}: give COMMA, PIPE, SEMICOLON, SPACE or TAB",
                        compact(value)
                    ),
                )),
            },
        }
    }

    /// `ItemBatcher` of the Map state `state`, if any.
    pub(super) fn item_batcher(
        &self,
        state: &str,
        fields: Fields,
    ) -> Result<Option<ItemBatcher>, crate::sfn::errors::LoadError> {
        let Some(raw) = fields.get("ItemBatcher") else {
            return Ok(None);
        };
        let batcher = raw.as_object().ok_or_else(|| {
            self.error(
                Some(state),
                Some("ItemBatcher"),
                format!("must be an object, got {}", compact(raw)),
            )
        })?;
        const ALLOWED: &[&str] = &[
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        ];
        for key in batcher.keys() {
            if !ALLOWED.contains(&key.as_str()) {
                return Err(self.error(
                    Some(state),
                    Some(&format!("ItemBatcher.{key}")),
                    format!(
                        "is not a field of ItemBatcher (allowed: {})",
                        ALLOWED.join(", ")
                    ),
                ));
            }
        }
        let prefixed = |e: crate::sfn::errors::LoadError| crate::sfn::errors::LoadError {
            field: e.field.map(|f| format!("ItemBatcher.{f}")),
            ..e
        };
        let max_items = self
            .given_u64(state, batcher, "MaxItemsPerBatch")
            .map_err(prefixed)?;
        let max_bytes = self
            .given_u64(state, batcher, "MaxInputBytesPerBatch")
            .map_err(prefixed)?;
        // "ItemBatcher (Map)": at least one of the two limits.
        if max_items.is_none() && max_bytes.is_none() {
            return Err(self.error(
                Some(state),
                Some("ItemBatcher"),
                "give MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)",
            ));
        }
        let batch_input = self
            .template(state, batcher, "BatchInput")
            .map_err(prefixed)?;
        Ok(Some(ItemBatcher {
            max_items,
            max_bytes,
            batch_input,
            jsonata: self.jsonata.get(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::sfn::definition::{Definition, Format, Source};
    use serde_json::{json, Value};

    fn map(fields: Value) -> Value {
        let mut state = json!({"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "B", "States": {"B": {"Type": "Succeed"}}}});
        for (k, v) in fields.as_object().unwrap() {
            state[k] = v.clone();
        }
        json!({"StartAt": "A", "States": {"A": state}})
    }

    fn refused(fields: Value) -> String {
        match Definition::load("T", &map(fields), &|_| Ok(())) {
            Ok(_) => panic!("loaded"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn readers_and_batchers_load_as_aws_defines_them() {
        let loaded = Definition::load(
            "T",
            &map(json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a"], "CSVDelimiter": "TAB", "MaxItemsPath": "$.n"},
                "Parameters": {"Bucket": "b", "Key.$": "$.k"}},
                "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"x.$": "$.x"}}})),
            &|_| Ok(()),
        )
        .unwrap();
        let crate::sfn::definition::Kind::Map(state) = &loaded.states["A"].kind else {
            panic!("a Map")
        };
        let reader = state.item_reader.as_ref().unwrap();
        assert!(matches!(
            reader.source,
            Source::Object(Format::Csv {
                delimiter: b'\t',
                ..
            })
        ));
        assert!(state.item_batcher.is_some());

        for (fields, want) in [
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}}),
                "ItemReader.ReaderConfig.InputType",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "MANIFEST"}}}),
                "not supported by the local runner",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "CSVHeaders": ["a"]}}}),
                "only for InputType CSV",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}}}),
                "ItemReader.ReaderConfig.CSVHeaders",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/a"}}}),
                "ItemReader.ReaderConfig.ItemsPointer",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": 1, "MaxItemsPath": "$.n"}}}),
                "not both",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "ReaderConfig": {"CSVDelimiter": "PIPE"}}}),
                "only for InputType CSV",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:putObject"}}),
                "ItemReader.Resource",
            ),
            (
                json!({"ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Arguments": {}}}),
                "ItemReader.Arguments",
            ),
            (
                json!({"ItemBatcher": {"BatchInput": {}}}),
                "MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)",
            ),
            (
                json!({"ItemBatcher": {"MaxItemsPerBatch": -1}}),
                "ItemBatcher.MaxItemsPerBatch",
            ),
        ] {
            let message = refused(fields.clone());
            assert!(message.contains(want), "{fields}: {message}");
        }
    }
}
