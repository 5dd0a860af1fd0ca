//! The files `synth` writes, as (name, contents) pairs in a fixed order: the template,
//! one `.asl.json` per machine and `manifest.json`. The ASL files are for reading and
//! for `asl-validator`: `${AWS::Partition}` is written as `aws` so Task resources are
//! valid ARNs; every other placeholder stays as CloudFormation will fill it.

use super::{Settings, Stack};
use serde_json::json;

/// The file name of the template for `stack_name`.
pub(crate) fn template_file(stack_name: &str) -> String {
    format!("{stack_name}.template.json")
}

pub(crate) fn files(stack_name: &str, settings: &Settings, stack: &Stack) -> Vec<(String, String)> {
    let mut files = vec![(template_file(stack_name), stack.template.to_json())];
    for machine in &stack.machines {
        let mut text =
            serde_json::to_string_pretty(&machine.definition).expect("a machine always serialises");
        text = text.replace("${AWS::Partition}", "aws");
        text.push('\n');
        files.push((format!("{}.asl.json", machine.id.name()), text));
    }
    let manifest = json!({
        "stack": stack_name,
        "template": template_file(stack_name),
        "settings": settings,
        "machines": stack.machines.iter().map(|m| json!({
            "name": m.id.name(),
            "logicalId": m.id.logical_id(),
            "file": format!("{}.asl.json", m.id.name()),
        })).collect::<Vec<_>>(),
        "assets": stack.assets,
    });
    let mut text = serde_json::to_string_pretty(&manifest).expect("a manifest always serialises");
    text.push('\n');
    files.push(("manifest.json".into(), text));
    files
}
