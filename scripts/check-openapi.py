#!/usr/bin/env python3
"""Checks IoTFlow's OpenAPI document.

Usage: scripts/check-openapi.py [path/to/openapi.json]
(default: Sources/IoTFlowServer/OpenAPI/openapi.json next to this script's repository)

Checks:
  - the document is valid OpenAPI 3.1 (openapi-spec-validator);
  - every `example` / `examples` (media types, parameters, headers, schemas) is valid against its schema,
    with `$ref`s resolved (jsonschema, draft 2020-12);
  - operationIds are present and unique;
  - every operation has a tag, a `security` list, and at least one 2xx or 101 response;
  - every other response (3xx-5xx) is JSON whose schema is the shared `Error` schema (or a oneOf/anyOf holding it);
  - the path parameters of every operation match its path template exactly;
  - `x-iotflow-planned`, where present, reads `issue <number>`.
Exits 1 with the list of problems, 0 when there are none.
"""

import json
import re
import sys
from pathlib import Path

try:
    import jsonschema
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as missing:  # pragma: no cover - depends on the machine
    sys.exit(
        f"check-openapi: missing Python module ({missing.name}). Install them with:\n"
        "    pip install openapi-spec-validator jsonschema"
    )

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_REF = "#/components/schemas/Error"
DOC_URI = "urn:iotflow:openapi"


def pointer(*parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Checker:
    def __init__(self, document):
        self.doc = document
        self.problems = []
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)
        self.format_checker = jsonschema.Draft202012Validator.FORMAT_CHECKER

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    def resolve(self, node):
        """Follows local `$ref`s of non-schema objects (parameters, responses, headers, examples)."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return node
            seen.add(ref)
            target = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    self.problem(ref, "unresolvable $ref")
                    return {}
                target = target[part]
            node = target
        return node

    # -- examples ------------------------------------------------------------------------------------------
    def validate_example(self, schema_pointer, value, where):
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{DOC_URI}#{schema_pointer}"}, registry=self.registry, format_checker=self.format_checker
        )
        try:
            errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        except jsonschema.exceptions.SchemaError as failure:
            self.problem(where, f"schema error: {failure.message}")
            return
        except Exception as failure:  # unresolvable references and the like
            self.problem(where, f"cannot validate example: {failure}")
            return
        for failure in errors:
            path = "".join(f"[{p!r}]" for p in failure.absolute_path)
            self.problem(where, f"example{path} is invalid: {failure.message}")

    def check_examples_beside(self, node, node_pointer, where):
        """`example` / `examples` of a media type, parameter or header, against its `schema`."""
        if "schema" not in node:
            if "example" in node or "examples" in node:
                self.problem(where, "has an example but no schema")
            return
        schema_pointer = node_pointer + "/schema"
        if "example" in node:
            self.validate_example(schema_pointer, node["example"], where + " example")
        for name, example in (node.get("examples") or {}).items():
            example = self.resolve(example)
            if "value" in example:
                self.validate_example(schema_pointer, example["value"], f"{where} examples.{name}")

    SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
    SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
    SUBSCHEMA_SINGLE = (
        "additionalProperties", "items", "contains", "propertyNames", "not", "if", "then", "else",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    )

    def walk_schema(self, schema, schema_pointer):
        """Checks `examples` (and the deprecated `example`) of a schema and of all its subschemas."""
        if not isinstance(schema, dict):
            return
        examples = schema.get("examples")
        if isinstance(examples, list):
            for index, example in enumerate(examples):
                self.validate_example(schema_pointer, example, f"schema {schema_pointer} examples[{index}]")
        elif examples is not None:
            self.problem(f"schema {schema_pointer}", "`examples` of a schema must be an array")
        if "example" in schema:
            self.validate_example(schema_pointer, schema["example"], f"schema {schema_pointer} example")
        for key in self.SUBSCHEMA_MAPS:
            for name, sub in (schema.get(key) or {}).items():
                self.walk_schema(sub, schema_pointer + pointer(key, name))
        for key in self.SUBSCHEMA_LISTS:
            for index, sub in enumerate(schema.get(key) or []):
                self.walk_schema(sub, schema_pointer + pointer(key, index))
        for key in self.SUBSCHEMA_SINGLE:
            if key in schema:
                self.walk_schema(schema[key], schema_pointer + pointer(key))

    def walk_document(self, node, node_pointer):
        """Finds every schema outside components/schemas (parameters, media types, headers) and walks it."""
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "schema":
                    self.walk_schema(value, node_pointer + pointer(key))
                elif key not in ("example", "examples"):
                    self.walk_document(value, node_pointer + pointer(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self.walk_document(value, node_pointer + pointer(index))

    # -- structure ---------------------------------------------------------------------------------------
    def refers_to_error(self, schema):
        if not isinstance(schema, dict):
            return False
        if schema.get("$ref") == ERROR_REF:
            return True
        return any(isinstance(branch, dict) and branch.get("$ref") == ERROR_REF for key in ("oneOf", "anyOf") for branch in schema.get(key, []))

    def check_operations(self):
        operation_ids = {}
        for path, item in (self.doc.get("paths") or {}).items():
            item = self.resolve(item)
            template_names = re.findall(r"\{([^}/]+)\}", path)
            if len(set(template_names)) != len(template_names):
                self.problem(path, "a path parameter appears twice in the template")
            shared = [self.resolve(p) for p in item.get("parameters", [])]
            for method in METHODS:
                if method not in item:
                    continue
                op = item[method]
                where = f"{method.upper()} {path}"
                op_pointer = pointer("paths", path, method)
                operation_id = op.get("operationId")
                if not operation_id:
                    self.problem(where, "no operationId")
                elif operation_id in operation_ids:
                    self.problem(where, f"operationId {operation_id!r} is also used by {operation_ids[operation_id]}")
                else:
                    operation_ids[operation_id] = where
                if operation_id and not re.fullmatch(r"[a-z][A-Za-z0-9]*", operation_id):
                    self.problem(where, f"operationId {operation_id!r} is not lowerCamelCase")
                if not op.get("tags"):
                    self.problem(where, "no tags")
                if "security" not in op and "security" not in self.doc:
                    self.problem(where, "no security list (use [] for open routes)")
                planned = op.get("x-iotflow-planned")
                if planned is not None and not (isinstance(planned, str) and re.fullmatch(r"issue [0-9]+", planned)):
                    self.problem(where, f"x-iotflow-planned must read 'issue <number>', not {planned!r}")
                # Path parameters: operation-level ones override path-level ones of the same name and location.
                parameters = {}
                for index, parameter in enumerate(shared):
                    parameters[(parameter.get("name"), parameter.get("in"))] = (parameter, pointer("paths", path, "parameters", index))
                for index, raw in enumerate(op.get("parameters", [])):
                    parameter = self.resolve(raw)
                    parameter_pointer = raw["$ref"][1:] if "$ref" in raw else op_pointer + pointer("parameters", index)
                    parameters[(parameter.get("name"), parameter.get("in"))] = (parameter, parameter_pointer)
                declared = {name for (name, location) in parameters if location == "path"}
                for name in sorted(set(template_names) - declared):
                    self.problem(where, f"path parameter {{{name}}} is not declared")
                for name in sorted(declared - set(template_names)):
                    self.problem(where, f"declares path parameter {name!r} that is not in the template")
                for (name, location), (parameter, parameter_pointer) in parameters.items():
                    if location == "path" and parameter.get("required") is not True:
                        self.problem(where, f"path parameter {name!r} must be required")
                    self.check_examples_beside(parameter, parameter_pointer, f"{where} parameter {name}")
                body = op.get("requestBody")
                if body is not None:
                    body_pointer = body["$ref"][1:] if "$ref" in body else op_pointer + "/requestBody"
                    body = self.resolve(body)
                    for media, content in (body.get("content") or {}).items():
                        self.check_examples_beside(content, body_pointer + pointer("content", media), f"{where} request body {media}")
                responses = op.get("responses") or {}
                if not any(str(code).startswith("2") or str(code) == "101" for code in responses):
                    self.problem(where, "no 2xx or 101 response")
                for code, raw in responses.items():
                    response_pointer = raw["$ref"][1:] if "$ref" in raw else op_pointer + pointer("responses", code)
                    response = self.resolve(raw)
                    content = response.get("content") or {}
                    for media, media_object in content.items():
                        self.check_examples_beside(media_object, response_pointer + pointer("content", media), f"{where} {code} {media}")
                    for name, raw_header in (response.get("headers") or {}).items():
                        header_pointer = raw_header["$ref"][1:] if "$ref" in raw_header else response_pointer + pointer("headers", name)
                        self.check_examples_beside(self.resolve(raw_header), header_pointer, f"{where} {code} header {name}")
                    code_text = str(code)
                    if code_text.startswith(("1", "2")):
                        continue
                    json_media = [m for m in content if m.split(";")[0].strip() in ("application/json",)]
                    if not json_media:
                        self.problem(where, f"response {code} has no application/json content")
                    for media in json_media:
                        if not self.refers_to_error(content[media].get("schema")):
                            self.problem(where, f"response {code} does not use the Error schema")

    def run(self):
        try:
            OpenAPIV31SpecValidator(self.doc).validate()
        except Exception as failure:  # report every validation error, not only the first
            for error in OpenAPIV31SpecValidator(self.doc).iter_errors():
                location = "/".join(str(p) for p in getattr(error, "absolute_path", [])) or "document"
                self.problem(location, f"not valid OpenAPI 3.1: {getattr(error, 'message', error)}")
            if not self.problems:
                self.problem("document", f"not valid OpenAPI 3.1: {failure}")
        if str(self.doc.get("openapi", "")).split(".")[:2] != ["3", "1"]:
            self.problem("openapi", f"expected 3.1.x, found {self.doc.get('openapi')!r}")
        self.check_operations()
        for name, schema in (self.doc.get("components", {}).get("schemas") or {}).items():
            self.walk_schema(schema, pointer("components", "schemas", name))
        self.walk_document({k: v for k, v in self.doc.items() if k != "components"}, "")
        self.walk_document({k: v for k, v in self.doc.get("components", {}).items() if k != "schemas"}, "/components")
        return self.problems


def main(argv):
    default = Path(__file__).resolve().parent.parent / "Sources" / "IoTFlowServer" / "OpenAPI" / "openapi.json"
    path = Path(argv[1]) if len(argv) > 1 else default
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as failure:
        print(f"check-openapi: cannot read {path}: {failure}", file=sys.stderr)
        return 2
    problems = Checker(document).run()
    operations = sum(1 for item in document.get("paths", {}).values() for m in METHODS if m in item)
    if problems:
        print(f"check-openapi: {path}: {len(problems)} problem(s):", file=sys.stderr)
        for text in problems:
            print(f"  - {text}", file=sys.stderr)
        return 1
    planned = sum(1 for item in document.get("paths", {}).values() for m in METHODS if m in item and "x-iotflow-planned" in item[m])
    print(f"check-openapi: {path}: OK ({len(document.get('paths', {}))} paths, {operations} operations, {planned} planned)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
