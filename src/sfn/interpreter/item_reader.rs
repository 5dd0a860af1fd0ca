//! A Distributed Map's `ItemReader` at run time: the S3 request rendered from the state's
//! input, the object (or listing) fetched through the [`Host`], and the items parsed
//! from it as `ReaderConfig` says, at most `MaxItems` of them. AWS's rules are from its
//! developer guide, "ItemReader (Map)"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>);
//! the error names and causes are AWS's, as LocalStack's snapshot tests recorded them
//! (test_base_scenarios.test_map_item_reader_*).

use super::map::{evaluated, integer, not_a_number, select};
use super::{Host, Stop};
use crate::sfn::definition::{CsvHeaders, Format, Given, ItemReader, Source, MAX_ITEMS};
use crate::sfn::errors::Failure;
use crate::sfn::path::{compact, Scope};
use serde_json::{Map, Value};

const READER_FAILED: &str = "States.ItemReaderFailed";

impl ItemReader {
    /// `MaxItems`, or `MaxItemsPath`'s value, read before the Map Run starts: a value
    /// that is not an integer fails the state at once with `States.Runtime`, and no Map
    /// Run starts (test_map_item_reader_csv_max_items_paths[1.5]); a negative one is
    /// refused by [`ItemReader::read`], once the Map Run has started.
    pub(super) fn max_items(&self, input: &Value, scope: Scope) -> Result<i64, Stop> {
        match &self.max_items {
            None => Ok(0),
            Some(Given::Value(n)) => Ok(*n as i64),
            Some(Given::Expression(t)) => Ok(evaluated(t, "MaxItems", input, scope)? as i64),
            Some(Given::Path(path)) => {
                let value = select(path, input, scope)?;
                integer(&value).ok_or_else(|| not_a_number("MaxItemsPath", &value, "integer", path))
            }
        }
    }

    /// The items: the object read and parsed, or the listing, at most `max_items` of
    /// them (0: all; "ItemReader (Map)": a Distributed Map stops reading past
    /// 100,000,000, so a larger value reads them all, as test_map_item_reader_csv_max_
    /// items_paths[100000001] recorded).
    pub(super) fn read(
        &self,
        host: &mut dyn Host,
        input: &Value,
        scope: Scope,
        max_items: i64,
    ) -> Result<Vec<Value>, Failure> {
        // test_map_item_reader_csv_max_items_paths[-1]'s words.
        if max_items < 0 {
            return Err(Failure::new(
                READER_FAILED,
                "field MaxItems must be positive",
            ));
        }
        let limit = match max_items as u64 {
            0 => MAX_ITEMS,
            n => n.min(MAX_ITEMS),
        } as usize;
        let request = match &self.parameters {
            None => Value::Object(Map::new()),
            Some(template) if self.jsonata => {
                template.render(&super::states_of(input, scope.context, None), scope)?
            }
            Some(template) => template.render(input, scope)?,
        };
        let field = |name: &str, required: bool| -> Result<Option<String>, Failure> {
            match request.get(name) {
                Some(Value::String(text)) => Ok(Some(text.clone())),
                None if !required => Ok(None),
                other => Err(Failure::runtime(format!(
                    "The ItemReader's Parameters must give `{name}` as a string, got {}: {}",
                    other.map(compact).unwrap_or_else(|| "nothing".into()),
                    compact(&request)
                ))),
            }
        };
        let bucket = field("Bucket", true)?.unwrap_or_default();
        match &self.source {
            Source::Listing => {
                let prefix = field("Prefix", false)?.unwrap_or_default();
                let mut objects = host.list_objects(&bucket, &prefix)?;
                objects.truncate(limit);
                Ok(objects)
            }
            Source::Object(format) => {
                let key = field("Key", true)?.unwrap_or_default();
                let body = host.get_object(&bucket, &key)?;
                let mut items = parse(format, &body, limit)?;
                items.truncate(limit);
                Ok(items)
            }
        }
    }
}

/// The items of an object's body, as `format` reads them.
fn parse(format: &Format, body: &str, limit: usize) -> Result<Vec<Value>, Failure> {
    match format {
        Format::Json => match serde_json::from_str::<Value>(body) {
            Ok(Value::Array(items)) => Ok(items),
            // test_map_item_reader_json_no_json_list_object's words (the object was
            // `{"Hello": "world"}`).
            Ok(_) => Err(Failure::new(
                READER_FAILED,
                "Attempting to map over non-iterable node.",
            )),
            // No recording shows AWS's words for an object that is not JSON.
            Err(e) => Err(Failure::new(
                READER_FAILED,
                format!("The object is not JSON (InputType JSON): {e}"),
            )),
        },
        Format::Jsonl => body
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .take(limit)
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| {
                    Failure::new(
                        READER_FAILED,
                        format!(
                            "Line {} of the object is not JSON (InputType JSONL): {e}",
                            i + 1
                        ),
                    )
                })
            })
            .collect(),
        Format::Csv { headers, delimiter } => csv_rows(body, headers, *delimiter, limit),
    }
}

/// Each CSV row as an object from the headers to its values, all strings: a row shorter
/// than the headers gives `""` for the missing columns, a longer one's extra values are
/// dropped ("How Step Functions parses input CSV files"; test_map_item_reader_base_csv_
/// headers_first_line: `,,,` under three headers; ..._csv_headers_decl_extra_fields).
/// Duplicate headers fail the state (..._csv_headers_decl_duplicate_headers' words).
/// `limit` counts rows after the header row (test_map_item_reader_csv_max_items[2]).
fn csv_rows(
    body: &str,
    headers: &CsvHeaders,
    delimiter: u8,
    limit: usize,
) -> Result<Vec<Value>, Failure> {
    let mut records = csv_records(body, delimiter as char)?.into_iter();
    let headers: Vec<String> = match headers {
        CsvHeaders::Given(headers) => headers.clone(),
        CsvHeaders::FirstRow => records.next().unwrap_or_default(),
    };
    let mut seen = std::collections::BTreeSet::new();
    if !headers.iter().all(|h| seen.insert(h)) {
        return Err(Failure::new(
            READER_FAILED,
            "CSV headers cannot contain duplicates.",
        ));
    }
    Ok(records
        .take(limit)
        .map(|record| {
            let row: Map<String, Value> = headers
                .iter()
                .enumerate()
                .map(|(i, header)| {
                    let value = record.get(i).cloned().unwrap_or_default();
                    (header.clone(), Value::String(value))
                })
                .collect();
            Value::Object(row)
        })
        .collect())
}

/// The records of a delimited text, by AWS's rules ("How Step Functions parses input
/// CSV files", <https://docs.aws.amazon.com/step-functions/latest/dg/example-csv-parse-dist-map.html>):
/// newlines end records; double quotes enclose delimiters and newlines, and a repeated
/// double quote is one (in a quoted field or not: the guide's `{""MyKey"":""MyValue""}`
/// is the JSON text `{"MyKey":"MyValue"}`); a backslash keeps a following backslash,
/// double quote or delimiter as it is, and before any other character is dropped. An
/// empty line is no record (no recording shows what AWS makes of one).
fn csv_records(body: &str, delimiter: char) -> Result<Vec<Vec<String>>, Failure> {
    let mut records = vec![];
    let mut record: Vec<String> = vec![];
    let mut field = String::new();
    // Whether the current field has started (a quote opening it counts).
    let mut started = false;
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(&next) = chars.peek() {
                    if next == '\\' || next == '"' || next == delimiter {
                        field.push(next);
                        chars.next();
                    }
                }
                started = true;
            }
            '"' if chars.peek() == Some(&'"') && (quoted || started) => {
                field.push('"');
                chars.next();
            }
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if quoted => field.push(c),
            c if c == delimiter => {
                record.push(std::mem::take(&mut field));
                started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if started || !record.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                started = false;
            }
            c => {
                field.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err(Failure::new(
            READER_FAILED,
            "The object is not CSV: a double quote opens a field that never ends",
        ));
    }
    if started || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn csv(body: &str, headers: CsvHeaders, limit: usize) -> Result<Vec<Value>, Failure> {
        parse(
            &Format::Csv {
                headers,
                delimiter: b',',
            },
            body,
            limit,
        )
    }

    #[test]
    fn csv_rows_as_aws_reads_them() {
        let rows = csv("A,B\n1,2\n,,,\n\"x,y\"\n   \n", CsvHeaders::FirstRow, 100).unwrap();
        assert_eq!(
            rows,
            vec![
                json!({"A": "1", "B": "2"}),
                json!({"A": "", "B": ""}),
                json!({"A": "x,y", "B": ""}),
                json!({"A": "   ", "B": ""}),
            ]
        );
        let rows = csv("1;2\n", CsvHeaders::Given(vec!["A".into()]), 100);
        assert_eq!(rows.unwrap(), vec![json!({"A": "1;2"})]);
        let piped = parse(
            &Format::Csv {
                headers: CsvHeaders::Given(vec!["A".into(), "B".into()]),
                delimiter: b'|',
            },
            "1|2\n3|4\n",
            1,
        );
        assert_eq!(piped.unwrap(), vec![json!({"A": "1", "B": "2"})]);
        // The guide's example row, and its backslash rules.
        let given = CsvHeaders::Given(vec![
            "L".into(),
            "N".into(),
            "S".into(),
            "O".into(),
            "A".into(),
        ]);
        let rows = csv(
            "abc,123,\"This string contains commas, a double quotation marks (\"\"), and a newline (\n)\",{\"\"MyKey\"\":\"\"MyValue\"\"},\"[1,2,3]\"\n",
            given,
            100,
        );
        assert_eq!(
            rows.unwrap(),
            vec![json!({"L": "abc", "N": "123",
                "S": "This string contains commas, a double quotation marks (\"), and a newline (\n)",
                "O": "{\"MyKey\":\"MyValue\"}", "A": "[1,2,3]"})]
        );
        let rows = csv(
            "path,size\r\nC:\\\\Program Files\\\\MyApp.exe,6534512\r\na\\,b\\x,\"\"\n",
            CsvHeaders::FirstRow,
            100,
        );
        assert_eq!(
            rows.unwrap(),
            vec![
                json!({"path": "C:\\Program Files\\MyApp.exe", "size": "6534512"}),
                json!({"path": "a,bx", "size": ""}),
            ]
        );
        let open = csv("A\n\"never closed\n", CsvHeaders::FirstRow, 100).unwrap_err();
        assert!(open.cause.contains("never ends"), "{}", open.cause);
        let duplicate = csv("A,A\n1,2\n", CsvHeaders::FirstRow, 100).unwrap_err();
        assert_eq!(duplicate.cause, "CSV headers cannot contain duplicates.");
        assert_eq!(duplicate.error, READER_FAILED);
    }

    #[test]
    fn json_and_json_lines() {
        assert_eq!(
            parse(&Format::Json, "[1, {\"a\": 2}]", 100).unwrap(),
            vec![json!(1), json!({"a": 2})]
        );
        let not_a_list = parse(&Format::Json, "{\"a\": 1}", 100).unwrap_err();
        assert_eq!(
            not_a_list.cause,
            "Attempting to map over non-iterable node."
        );
        assert!(parse(&Format::Json, "[1,", 100)
            .unwrap_err()
            .cause
            .contains("not JSON"));
        assert_eq!(
            parse(&Format::Jsonl, "{\"a\": 1}\n\n[2]\n3\n", 2).unwrap(),
            vec![json!({"a": 1}), json!([2])]
        );
        let bad_line = parse(&Format::Jsonl, "1\n{\n", 100).unwrap_err();
        assert!(
            bad_line.cause.starts_with("Line 2 of the object"),
            "{}",
            bad_line.cause
        );
    }
}
