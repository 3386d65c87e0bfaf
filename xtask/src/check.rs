//! Pure checks of a WebAssembly module against the rules Arbitrum Stylus enforces.
//!
//! Nothing in here touches the file system or runs processes: it takes bytes and returns
//! findings, so every rule is unit-tested with tiny hand-written modules (see the tests below).
//!
//! The rules (see `shared/stylus-notes.md`, "WASM that Stylus accepts"):
//! - the module parses and validates with the allowed feature set: MVP + mutable-global +
//!   sign-extension + multi-value + bulk-memory, and nothing else (no floats at all, no
//!   reference types, SIMD, threads, tail calls, exceptions, multi-memory, memory64, GC, ...);
//! - it exports a function `user_entrypoint` of type `(i32) -> i32` and a memory `memory`;
//! - every import comes from module `vm_hooks`;
//! - there is no start function;
//! - no floating-point instruction or type anywhere, and no SIMD, reference-types or atomic
//!   instruction (reported by opcode name and function index, even when validation already
//!   fails, so one run shows everything that has to be fixed);
//! - size after stripping custom sections: brotli (quality 11, window 22) compressed
//!   <= 24 KiB, uncompressed <= 128 KiB.

use std::collections::BTreeMap;
use std::fmt;

use wasmparser::{
    BlockType, CompositeInnerType, ExternalKind, KnownCustom, Name, Operator, Parser, Payload,
    RefType, TypeRef, ValType, Validator, WasmFeatures,
};

/// Largest brotli-compressed module Stylus accepts (24 KiB).
pub const MAX_COMPRESSED_BYTES: usize = 24 * 1024;
/// Largest uncompressed module Stylus accepts (128 KiB).
pub const MAX_UNCOMPRESSED_BYTES: usize = 128 * 1024;
/// Brotli quality used by Stylus deployers.
pub const BROTLI_QUALITY: i32 = 11;
/// Brotli window (log2) used by Stylus deployers.
pub const BROTLI_LGWIN: i32 = 22;

/// Module every import must come from.
pub const HOST_MODULE: &str = "vm_hooks";
/// Name of the exported entry point function.
pub const ENTRYPOINT: &str = "user_entrypoint";
/// Name of the exported linear memory.
pub const MEMORY_EXPORT: &str = "memory";

/// Anti-DoS limits ArbOS checks when it activates a program (nitro's `WasmBinary::parse_user`).
pub mod limits {
    pub const DATA_SEGMENTS: usize = 128;
    pub const ELEMENT_SEGMENTS: usize = 128;
    pub const EXPORTS: usize = 1024;
    pub const FUNCTIONS: usize = 4096;
    pub const LOCALS_PER_FUNCTION: u64 = 348;
    pub const TABLE_ENTRIES: u64 = 4096;
    /// Summed byte length of the element segments.
    pub const ELEMENT_SEGMENT_BYTES: usize = 4096;
    pub const NAME_LENGTH: usize = 512;
}

/// The WebAssembly features a Stylus program may use.
///
/// Everything not listed here is off, including `FLOATS` (wasmparser's switch for every
/// floating-point type and instruction), reference types and the overlong `call_indirect`
/// table immediate, SIMD / relaxed SIMD, threads, tail calls, exceptions, multi-memory,
/// memory64, GC and function references.
pub fn allowed_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
}

/// What kind of rule a [`Violation`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationKind {
    /// The bytes are not a well-formed WebAssembly module at all.
    Malformed,
    /// Well-formed, but rejected by the validator restricted to the allowed feature set.
    Validation,
    /// `user_entrypoint` or `memory` export missing (or of the wrong kind).
    MissingExport,
    /// `user_entrypoint` has a type other than `(i32) -> i32`.
    EntrypointSignature,
    /// An import from a module other than `vm_hooks`.
    ForbiddenImport,
    /// The module has a start function.
    StartFunction,
    /// A floating-point instruction or type.
    Float,
    /// A SIMD (or relaxed SIMD) instruction or `v128` type.
    Simd,
    /// A reference-types instruction, type, table or encoding.
    ReferenceTypes,
    /// An atomic (threads) instruction or a shared memory.
    Atomics,
    /// Anything else outside the allowed feature set (tail calls, exceptions, GC, ...).
    UnsupportedFeature,
    /// Above one of the anti-DoS limits ArbOS applies when activating a program (counts of
    /// functions, locals, data/element segments, exports, table entries, name lengths).
    Limit,
    /// A reserved (`stylus`-prefixed) or clashing import/export name.
    ReservedName,
    /// Brotli-compressed size above [`MAX_COMPRESSED_BYTES`].
    CompressedTooLarge,
    /// Uncompressed size above [`MAX_UNCOMPRESSED_BYTES`].
    UncompressedTooLarge,
}

/// One broken rule, with a message that says what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
}

impl Violation {
    fn new(kind: ViolationKind, message: impl Into<String>) -> Self {
        Violation {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}] {}", self.kind, self.message)
    }
}

/// Facts about a module that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Size with custom sections removed (what a deployer sends, before compression).
    pub raw_bytes: usize,
    /// Brotli size (quality 11, window 22) of the stripped module.
    pub compressed_bytes: usize,
    /// Imported functions, as `module.name`.
    pub imports: Vec<String>,
    /// Functions defined in the module (code section entries).
    pub defined_functions: usize,
}

// ---------------------------------------------------------------------------------------------
// Sections and custom-section stripping
// ---------------------------------------------------------------------------------------------

const WASM_MAGIC: [u8; 4] = *b"\0asm";
const WASM_CORE_VERSION: [u8; 4] = [1, 0, 0, 0];
/// Section id of custom sections.
pub const CUSTOM_SECTION_ID: u8 = 0;

/// One top-level section of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Section id (0 = custom, 1 = type, ... 10 = code, 11 = data, 12 = data count).
    pub id: u8,
    /// Byte range of the whole section: id byte, LEB128 size and payload.
    pub range: std::ops::Range<usize>,
    /// Byte range of the payload only.
    pub payload: std::ops::Range<usize>,
}

/// Reads an unsigned LEB128 `u32` at the start of `bytes`; returns the value and its length.
pub fn read_leb_u32(bytes: &[u8]) -> Result<(u32, usize), String> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i == 4 && byte & 0x70 != 0 {
                return Err("LEB128 u32 out of range".into());
            }
            return Ok((value as u32, i + 1));
        }
    }
    if bytes.len() < 5 {
        Err("truncated LEB128".into())
    } else {
        Err("LEB128 u32 longer than 5 bytes".into())
    }
}

/// Walks the top level of a core module: magic, version, then `(id, LEB128 size, payload)`.
pub fn sections(bytes: &[u8]) -> Result<Vec<Section>, String> {
    if bytes.len() < 8 || bytes[0..4] != WASM_MAGIC {
        return Err("not a WebAssembly module (missing \\0asm magic)".into());
    }
    if bytes[4..8] != WASM_CORE_VERSION {
        return Err(format!(
            "unsupported WebAssembly version {:02x?} (expected a core module, version 1)",
            &bytes[4..8]
        ));
    }
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        let start = pos;
        let id = bytes[pos];
        pos += 1;
        let (size, len) = read_leb_u32(&bytes[pos..])
            .map_err(|e| format!("section at byte {start}: bad size: {e}"))?;
        pos += len;
        let end = pos
            .checked_add(size as usize)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                format!(
                    "section id {id} at byte {start}: size {size} runs past the end of the module ({} bytes)",
                    bytes.len()
                )
            })?;
        out.push(Section {
            id,
            range: start..end,
            payload: pos..end,
        });
        pos = end;
    }
    Ok(out)
}

/// Returns the module without its custom sections (id 0); every other section is kept
/// byte for byte, in order.
pub fn strip_custom_sections(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let sections = sections(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    for section in sections.iter().filter(|s| s.id != CUSTOM_SECTION_ID) {
        out.extend_from_slice(&bytes[section.range.clone()]);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// call_indirect normalization
// ---------------------------------------------------------------------------------------------

/// Section id of the code section.
pub const CODE_SECTION_ID: u8 = 10;

/// Re-encodes every `call_indirect` whose table immediate is table 0 written as a multi-byte
/// LEB128 (e.g. `80 80 80 80 00`) with the single MVP byte `00`, and returns the new module
/// and how many instructions changed.
///
/// Why: since LLVM 19 (Rust 1.82) `wasm32-unknown-unknown` enables reference types, and the
/// linker then writes the table immediate as a padded 5-byte LEB. That is the only trace
/// reference types leave in ordinary Rust output, but validators without reference types
/// (Stylus's) reject it ("zero byte expected"). `-C target-cpu=mvp` fixes the crate's own code
/// but not the precompiled standard library (`core::fmt` keeps its default-feature attributes),
/// and rebuilding std needs nightly `-Zbuild-std`. The rewrite changes no semantics: the
/// instruction still calls through table 0 with the same type. Only function bodies that
/// contain such an instruction are re-encoded (their size prefix and the code section's size
/// are recomputed); every other byte is kept. Non-zero table indices are left alone (they
/// really use reference types and stay a violation).
pub fn normalize_call_indirect(bytes: &[u8]) -> Result<(Vec<u8>, usize), String> {
    // (body range, [(immediate range)]) for bodies that need rewriting.
    let mut rewrites: Vec<(std::ops::Range<usize>, Vec<std::ops::Range<usize>>)> = Vec::new();
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    for payload in parser.parse_all(bytes) {
        let payload = payload.map_err(|e| e.to_string())?;
        if let Payload::CodeSectionEntry(body) = payload {
            let mut immediates = Vec::new();
            let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
            while !ops.eof() {
                let start = ops.original_position() as usize;
                let op = ops.read().map_err(|e| e.to_string())?;
                let end = ops.original_position() as usize;
                if let Operator::CallIndirect { table_index: 0, .. } = op {
                    let (_, type_len) = read_leb_u32(&bytes[start + 1..end])?;
                    let immediate = start + 1 + type_len..end;
                    if immediate.len() > 1 {
                        immediates.push(immediate);
                    }
                }
            }
            if !immediates.is_empty() {
                let range = body.range();
                rewrites.push((range.start as usize..range.end as usize, immediates));
            }
        }
    }
    let count: usize = rewrites.iter().map(|(_, imm)| imm.len()).sum();
    if count == 0 {
        return Ok((bytes.to_vec(), 0));
    }

    let code = sections(bytes)?
        .into_iter()
        .find(|s| s.id == CODE_SECTION_ID)
        .ok_or("call_indirect found outside a code section")?;
    // Rebuild the code section payload: the body count, then each body with its size.
    let mut payload = Vec::with_capacity(code.payload.len());
    let (body_count, count_len) = read_leb_u32(&bytes[code.payload.clone()])?;
    payload.extend_from_slice(&bytes[code.payload.start..code.payload.start + count_len]);
    let mut pos = code.payload.start + count_len;
    let mut rewrites = rewrites.into_iter().peekable();
    for _ in 0..body_count {
        let (size, size_len) = read_leb_u32(&bytes[pos..code.payload.end])?;
        let body = pos + size_len..pos + size_len + size as usize;
        match rewrites.peek() {
            Some((range, _)) if *range == body => {
                let (_, immediates) = rewrites.next().expect("peeked");
                let mut new_body = Vec::with_capacity(body.len());
                let mut copied = body.start;
                for immediate in immediates {
                    new_body.extend_from_slice(&bytes[copied..immediate.start]);
                    new_body.push(0x00);
                    copied = immediate.end;
                }
                new_body.extend_from_slice(&bytes[copied..body.end]);
                payload.extend(encode_leb_u32(new_body.len() as u32));
                payload.extend(new_body);
            }
            _ => payload.extend_from_slice(&bytes[pos..body.end]),
        }
        pos = body.end;
    }
    if pos != code.payload.end || rewrites.next().is_some() {
        return Err("code section layout does not match its function bodies".into());
    }

    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..code.range.start]);
    out.push(CODE_SECTION_ID);
    out.extend(encode_leb_u32(payload.len() as u32));
    out.extend(payload);
    out.extend_from_slice(&bytes[code.range.end..]);
    Ok((out, count))
}

/// Minimal unsigned LEB128 encoding of `value`.
pub fn encode_leb_u32(mut value: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

// ---------------------------------------------------------------------------------------------
// Brotli
// ---------------------------------------------------------------------------------------------

/// Brotli-compresses `bytes` the way Stylus deployers do (quality 11, window 22).
pub fn brotli_compress(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_LGWIN,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    let mut input = bytes;
    brotli::BrotliCompress(&mut input, &mut out, &params)
        .expect("brotli compression into a Vec cannot fail");
    out
}

/// Size of [`brotli_compress`]'s output.
pub fn brotli_size(bytes: &[u8]) -> usize {
    brotli_compress(bytes).len()
}

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

/// Checks a module against every Stylus rule and returns either facts about it or every
/// violation found (not just the first).
///
/// Sizes are measured on the module with custom sections removed, as deployers do; pass the
/// stripped module to have `Report::raw_bytes` equal its length.
pub fn check_module(bytes: &[u8]) -> Result<Report, Vec<Violation>> {
    let mut checker = Checker::default();
    let parsed = checker.walk(bytes);
    match parsed {
        Ok(()) => {
            // Only worth running when the walk parsed everything: otherwise the validator
            // reports the same malformation again.
            if let Err(err) = Validator::new_with_features(allowed_features()).validate_all(bytes) {
                let well_formed = Validator::new_with_features(WasmFeatures::all())
                    .validate_all(bytes)
                    .is_ok();
                let what = if well_formed {
                    "uses something outside the allowed feature set \
                     (MVP + mutable-global + sign-ext + multi-value + bulk-memory, no floats)"
                } else {
                    "is invalid even with every feature enabled"
                };
                checker.violations.push(Violation::new(
                    ViolationKind::Validation,
                    format!(
                        "module does not validate: it {what}: {} (at byte offset {:#x})",
                        err.message(),
                        err.offset()
                    ),
                ));
            }
            checker.check_structure();
        }
        Err(message) => checker.violations.push(Violation::new(
            ViolationKind::Malformed,
            format!("module cannot be parsed: {message}"),
        )),
    }
    checker.report_instructions();

    let stripped = strip_custom_sections(bytes).unwrap_or_else(|_| bytes.to_vec());
    let raw_bytes = stripped.len();
    let compressed_bytes = brotli_size(&stripped);
    if compressed_bytes > MAX_COMPRESSED_BYTES {
        checker.violations.push(Violation::new(
            ViolationKind::CompressedTooLarge,
            format!(
                "compressed size {compressed_bytes} bytes exceeds the limit of {MAX_COMPRESSED_BYTES} bytes \
                 (brotli quality {BROTLI_QUALITY}, window {BROTLI_LGWIN}; {:.1}% of the limit)",
                percent_of(compressed_bytes, MAX_COMPRESSED_BYTES)
            ),
        ));
    }
    if raw_bytes > MAX_UNCOMPRESSED_BYTES {
        checker.violations.push(Violation::new(
            ViolationKind::UncompressedTooLarge,
            format!(
                "uncompressed size {raw_bytes} bytes (custom sections stripped) exceeds the limit of \
                 {MAX_UNCOMPRESSED_BYTES} bytes"
            ),
        ));
    }

    if checker.violations.is_empty() {
        Ok(Report {
            raw_bytes,
            compressed_bytes,
            imports: checker
                .imports
                .iter()
                .filter(|i| i.kind == "function")
                .map(|i| format!("{}.{}", i.module, i.name))
                .collect(),
            defined_functions: checker.defined_functions,
        })
    } else {
        Err(checker.violations)
    }
}

/// `part` as a percentage of `whole`.
pub fn percent_of(part: usize, whole: usize) -> f64 {
    part as f64 * 100.0 / whole as f64
}

#[derive(Debug)]
struct ImportInfo {
    module: String,
    name: String,
    kind: &'static str,
}

/// Occurrences of one forbidden opcode.
#[derive(Debug, Default)]
struct Occurrences {
    text_name: String,
    proposal: &'static str,
    count: usize,
    /// Function indices (in the function index space, imports included), in order, unique.
    functions: Vec<u32>,
}

#[derive(Debug, Default)]
struct Checker {
    violations: Vec<Violation>,
    imports: Vec<ImportInfo>,
    /// Type index of every function (imported ones first).
    func_types: Vec<u32>,
    imported_functions: u32,
    defined_functions: usize,
    /// Function signatures by type index: (params, results); `None` for non-function types.
    types: Vec<Option<(Vec<ValType>, Vec<ValType>)>>,
    exports: Vec<(String, ExternalKind, u32)>,
    function_names: BTreeMap<u32, String>,
    has_start: bool,
    data_segments: usize,
    element_segments: usize,
    element_segment_bytes: usize,
    table_entries: u64,
    /// Forbidden instructions keyed by (kind, variant name).
    instructions: BTreeMap<(ViolationKind, &'static str), Occurrences>,
}

impl Checker {
    /// Parses the whole module (with every feature enabled, so forbidden constructs are seen
    /// and named rather than only failing), recording what the structural checks need and
    /// flagging forbidden types and instructions.
    fn walk(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut parser = Parser::new(0);
        parser.set_features(WasmFeatures::all());
        let mut memories = 0u32;
        let mut tables = 0u32;
        for payload in parser.parse_all(bytes) {
            let payload = payload.map_err(|e| e.to_string())?;
            match payload {
                Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                    return Err("this is a component, not a core module".into());
                }
                Payload::TypeSection(reader) => {
                    for group in reader {
                        let group = group.map_err(|e| e.to_string())?;
                        if group.is_explicit_rec_group() {
                            self.violations.push(Violation::new(
                                ViolationKind::UnsupportedFeature,
                                "type section uses a recursive type group (GC proposal)",
                            ));
                        }
                        for sub in group.types() {
                            let index = self.types.len();
                            match &sub.composite_type.inner {
                                CompositeInnerType::Func(func) => {
                                    self.types.push(Some((
                                        func.params().to_vec(),
                                        func.results().to_vec(),
                                    )));
                                }
                                other => {
                                    self.types.push(None);
                                    self.violations.push(Violation::new(
                                        ViolationKind::UnsupportedFeature,
                                        format!(
                                            "type {index} is not a function type ({other}): GC / stack-switching types are not allowed"
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(|e| e.to_string())?;
                        let kind = match import.ty {
                            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                                self.func_types.push(ty);
                                self.imported_functions += 1;
                                "function"
                            }
                            TypeRef::Table(table) => {
                                tables += 1;
                                self.check_table(tables - 1, table.element_type, true);
                                "table"
                            }
                            TypeRef::Memory(memory) => {
                                memories += 1;
                                self.check_memory(memories - 1, &memory, true);
                                "memory"
                            }
                            TypeRef::Global(global) => {
                                self.check_value_type(
                                    global.content_type,
                                    &format!("imported global `{}.{}`", import.module, import.name),
                                );
                                "global"
                            }
                            TypeRef::Tag(_) => {
                                self.violations.push(Violation::new(
                                    ViolationKind::UnsupportedFeature,
                                    format!(
                                        "imported tag `{}.{}` (exception handling)",
                                        import.module, import.name
                                    ),
                                ));
                                "tag"
                            }
                        };
                        self.imports.push(ImportInfo {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        self.func_types.push(ty.map_err(|e| e.to_string())?);
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        let table = table.map_err(|e| e.to_string())?;
                        tables += 1;
                        self.table_entries = self.table_entries.saturating_add(table.ty.initial);
                        self.check_table(tables - 1, table.ty.element_type, false);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        let memory = memory.map_err(|e| e.to_string())?;
                        memories += 1;
                        self.check_memory(memories - 1, &memory, false);
                    }
                }
                Payload::DataSection(reader) => self.data_segments += reader.count() as usize,
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.map_err(|e| e.to_string())?;
                        self.element_segments += 1;
                        self.element_segment_bytes +=
                            (element.range.end - element.range.start) as usize;
                    }
                }
                Payload::TagSection(_) => {
                    self.violations.push(Violation::new(
                        ViolationKind::UnsupportedFeature,
                        "module has a tag section (exception handling)",
                    ));
                }
                Payload::GlobalSection(reader) => {
                    let imported_globals =
                        self.imports.iter().filter(|i| i.kind == "global").count();
                    for (i, global) in reader.into_iter().enumerate() {
                        let global = global.map_err(|e| e.to_string())?;
                        self.check_value_type(
                            global.ty.content_type,
                            &format!("global {}", imported_globals + i),
                        );
                        if global.ty.shared {
                            self.violations.push(Violation::new(
                                ViolationKind::Atomics,
                                format!("global {} is shared (threads)", imported_globals + i),
                            ));
                        }
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| e.to_string())?;
                        self.exports
                            .push((export.name.to_string(), export.kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => {
                    self.has_start = true;
                    self.violations.push(Violation::new(
                        ViolationKind::StartFunction,
                        format!("module has a start section (start function {func}); Stylus forbids start functions"),
                    ));
                }
                Payload::CodeSectionEntry(body) => {
                    let func = self.imported_functions + self.defined_functions as u32;
                    self.defined_functions += 1;
                    self.walk_body(bytes, func, &body)?;
                }
                Payload::CustomSection(reader) => {
                    // Names make messages readable when the module still has them; a parse
                    // failure here is not the module's fault as far as Stylus is concerned.
                    if let KnownCustom::Name(names) = reader.as_known() {
                        for name in names.into_iter().flatten() {
                            if let Name::Function(map) = name {
                                for naming in map.into_iter().flatten() {
                                    self.function_names
                                        .insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        self.check_signatures();
        Ok(())
    }

    fn check_table(&mut self, index: u32, element_type: RefType, imported: bool) {
        let what = if imported { "imported table" } else { "table" };
        if index > 0 {
            self.violations.push(Violation::new(
                ViolationKind::ReferenceTypes,
                format!("{what} {index}: more than one table needs reference types"),
            ));
        }
        if element_type != RefType::FUNCREF {
            self.violations.push(Violation::new(
                ViolationKind::ReferenceTypes,
                format!("{what} {index} has element type {element_type} (only funcref is MVP)"),
            ));
        }
    }

    fn check_memory(&mut self, index: u32, memory: &wasmparser::MemoryType, imported: bool) {
        let what = if imported {
            "imported memory"
        } else {
            "memory"
        };
        if index > 0 {
            self.violations.push(Violation::new(
                ViolationKind::UnsupportedFeature,
                format!("{what} {index}: more than one memory (multi-memory)"),
            ));
        }
        if memory.memory64 {
            self.violations.push(Violation::new(
                ViolationKind::UnsupportedFeature,
                format!("{what} {index} is a 64-bit memory (memory64)"),
            ));
        }
        if memory.shared {
            self.violations.push(Violation::new(
                ViolationKind::Atomics,
                format!("{what} {index} is shared (threads)"),
            ));
        }
        if memory.page_size_log2.is_some() {
            self.violations.push(Violation::new(
                ViolationKind::UnsupportedFeature,
                format!("{what} {index} has a custom page size"),
            ));
        }
    }

    /// Flags a forbidden value type (float, v128, reference) used by `what`.
    fn check_value_type(&mut self, ty: ValType, what: &str) {
        if let Some((kind, name)) = forbidden_value_type(ty) {
            self.violations
                .push(Violation::new(kind, format!("{what} has type {name}")));
        }
    }

    /// Flags function types with forbidden parameter or result types, naming the functions
    /// that use them.
    fn check_signatures(&mut self) {
        let mut found = Vec::new();
        for (index, ty) in self.types.iter().enumerate() {
            let Some((params, results)) = ty else {
                continue;
            };
            let users: Vec<u32> = self
                .func_types
                .iter()
                .enumerate()
                .filter(|(_, &t)| t as usize == index)
                .map(|(f, _)| f as u32)
                .collect();
            for (role, list) in [("parameter", params), ("result", results)] {
                for (pos, &ty) in list.iter().enumerate() {
                    if let Some((kind, name)) = forbidden_value_type(ty) {
                        found.push(Violation::new(
                            kind,
                            format!(
                                "type {index} {} has a {name} {role} (#{pos}); used by {}",
                                describe_signature(params, results),
                                self.describe_functions(&users)
                            ),
                        ));
                    }
                }
            }
        }
        self.violations.extend(found);
    }

    fn walk_body(
        &mut self,
        bytes: &[u8],
        func: u32,
        body: &wasmparser::FunctionBody<'_>,
    ) -> Result<(), String> {
        let locals = body.get_locals_reader().map_err(|e| e.to_string())?;
        let mut total_locals = 0u64;
        for local in locals {
            let (count, ty) = local.map_err(|e| e.to_string())?;
            total_locals += u64::from(count);
            if let Some((kind, name)) = forbidden_value_type(ty) {
                let message = format!(
                    "function {} declares {count} local(s) of type {name}",
                    self.describe_function(func)
                );
                self.violations.push(Violation::new(kind, message));
            }
        }
        if total_locals > limits::LOCALS_PER_FUNCTION {
            let message = format!(
                "function {} declares {total_locals} locals (limit {})",
                self.describe_function(func),
                limits::LOCALS_PER_FUNCTION
            );
            self.violations
                .push(Violation::new(ViolationKind::Limit, message));
        }
        let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !ops.eof() {
            let start = ops.original_position() as usize;
            let op = ops.read().map_err(|e| e.to_string())?;
            let end = ops.original_position() as usize;
            let (proposal, variant, visit) = operator_info(&op);
            if let Some(kind) = classify_operator(proposal, variant) {
                self.record(kind, variant, wat_name(visit), func);
                self.instructions
                    .get_mut(&(kind, variant))
                    .unwrap()
                    .proposal = proposal;
            }
            match &op {
                Operator::Block { blockty }
                | Operator::Loop { blockty }
                | Operator::If { blockty } => {
                    if let BlockType::Type(ty) = blockty {
                        if let Some((kind, name)) = forbidden_value_type(*ty) {
                            self.record(
                                kind,
                                variant,
                                format!("{} (result {name})", wat_name(visit)),
                                func,
                            );
                        }
                    }
                }
                Operator::CallIndirect { table_index, .. } => {
                    // Before reference types the table immediate is a single 0x00 byte;
                    // LLVM with reference types on emits a padded 5-byte LEB instead.
                    let immediate_len = bytes
                        .get(start + 1..end)
                        .and_then(|rest| read_leb_u32(rest).ok())
                        .map(|(_, type_len)| end - start - 1 - type_len);
                    if *table_index != 0 {
                        self.record(
                            ViolationKind::ReferenceTypes,
                            "CallIndirect on a table other than 0",
                            "call_indirect".into(),
                            func,
                        );
                    } else if immediate_len != Some(1) {
                        self.record(
                            ViolationKind::ReferenceTypes,
                            "CallIndirect with an overlong LEB-encoded table index: the \
                             reference-types / call-indirect-overlong encoding",
                            "call_indirect".into(),
                            func,
                        );
                    }
                }
                Operator::TableInit { table, .. }
                | Operator::TableCopy {
                    dst_table: table, ..
                } if *table != 0 => {
                    self.record(
                        ViolationKind::ReferenceTypes,
                        "TableInit/TableCopy on a table other than 0",
                        wat_name(visit),
                        func,
                    );
                }
                Operator::TableCopy { src_table, .. } if *src_table != 0 => {
                    self.record(
                        ViolationKind::ReferenceTypes,
                        "TableInit/TableCopy on a table other than 0",
                        wat_name(visit),
                        func,
                    );
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn record(&mut self, kind: ViolationKind, key: &'static str, text_name: String, func: u32) {
        let entry = self.instructions.entry((kind, key)).or_default();
        if entry.text_name.is_empty() {
            entry.text_name = text_name;
        }
        entry.count += 1;
        if entry.functions.last() != Some(&func) {
            entry.functions.push(func);
        }
    }

    /// Turns the collected forbidden instructions into one violation per opcode.
    fn report_instructions(&mut self) {
        let instructions = std::mem::take(&mut self.instructions);
        for ((kind, variant), occ) in instructions {
            let what = match kind {
                ViolationKind::Float => "floating-point instruction",
                ViolationKind::Simd => "SIMD instruction",
                ViolationKind::ReferenceTypes => "reference-types instruction",
                ViolationKind::Atomics => "atomic (threads) instruction",
                _ => "instruction outside the allowed feature set",
            };
            let origin = if occ.proposal.is_empty() || occ.proposal == "mvp" {
                String::new()
            } else {
                format!(", {} proposal", occ.proposal)
            };
            let mut functions = occ.functions.clone();
            functions.sort_unstable();
            functions.dedup();
            self.violations.push(Violation::new(
                kind,
                format!(
                    "{what} `{}` ({variant}{origin}): {} occurrence(s) in {}",
                    occ.text_name,
                    occ.count,
                    self.describe_functions(&functions)
                ),
            ));
        }
    }

    /// Checks exports, imports and the entry point's type.
    fn check_structure(&mut self) {
        self.check_limits();
        self.check_names();
        for import in self.imports.iter().filter(|i| i.kind != "function") {
            self.violations.push(Violation::new(
                ViolationKind::ForbiddenImport,
                format!(
                    "{} import `{}`.`{}`: Stylus programs may import only functions",
                    import.kind, import.module, import.name
                ),
            ));
        }
        for import in &self.imports {
            if import.module != HOST_MODULE {
                self.violations.push(Violation::new(
                    ViolationKind::ForbiddenImport,
                    format!(
                        "{} import `{}`.`{}` comes from module `{}`; only `{HOST_MODULE}` is allowed",
                        import.kind, import.module, import.name, import.module
                    ),
                ));
            }
        }

        match self.exports.iter().find(|(name, _, _)| name == ENTRYPOINT) {
            None => self.violations.push(Violation::new(
                ViolationKind::MissingExport,
                format!("no export named `{ENTRYPOINT}` (the Stylus entry point function)"),
            )),
            Some((_, kind, _)) if *kind != ExternalKind::Func => {
                self.violations.push(Violation::new(
                    ViolationKind::MissingExport,
                    format!("export `{ENTRYPOINT}` is a {kind:?}, not a function"),
                ))
            }
            Some((_, _, index)) => {
                let sig = self
                    .func_types
                    .get(*index as usize)
                    .and_then(|&t| self.types.get(t as usize))
                    .and_then(|t| t.as_ref());
                let ok = matches!(sig, Some((p, r)) if p[..] == [ValType::I32] && r[..] == [ValType::I32]);
                if !ok {
                    let found = sig
                        .map(|(p, r)| describe_signature(p, r))
                        .unwrap_or_else(|| "an unknown type".into());
                    self.violations.push(Violation::new(
                        ViolationKind::EntrypointSignature,
                        format!(
                            "`{ENTRYPOINT}` (function {index}) has type {found}; Stylus calls it as (func (param i32) (result i32))"
                        ),
                    ));
                }
            }
        }

        match self
            .exports
            .iter()
            .find(|(name, _, _)| name == MEMORY_EXPORT)
        {
            None => self.violations.push(Violation::new(
                ViolationKind::MissingExport,
                format!("no export named `{MEMORY_EXPORT}` (the linear memory)"),
            )),
            Some((_, kind, _)) if *kind != ExternalKind::Memory => {
                self.violations.push(Violation::new(
                    ViolationKind::MissingExport,
                    format!("export `{MEMORY_EXPORT}` is a {kind:?}, not a memory"),
                ))
            }
            Some(_) => {}
        }
    }

    fn check_limits(&mut self) {
        let counts = [
            ("data segments", self.data_segments, limits::DATA_SEGMENTS),
            (
                "element segments",
                self.element_segments,
                limits::ELEMENT_SEGMENTS,
            ),
            ("exports", self.exports.len(), limits::EXPORTS),
            ("functions", self.defined_functions, limits::FUNCTIONS),
            (
                "bytes of element segments",
                self.element_segment_bytes,
                limits::ELEMENT_SEGMENT_BYTES,
            ),
        ];
        for (what, count, limit) in counts {
            if count > limit {
                self.violations.push(Violation::new(
                    ViolationKind::Limit,
                    format!("too many {what}: {count} (limit {limit})"),
                ));
            }
        }
        if self.table_entries > limits::TABLE_ENTRIES {
            self.violations.push(Violation::new(
                ViolationKind::Limit,
                format!(
                    "too many table entries: {} (limit {})",
                    self.table_entries,
                    limits::TABLE_ENTRIES
                ),
            ));
        }
        for (name, _, _) in &self.exports {
            if name.len() > limits::NAME_LENGTH {
                self.violations.push(Violation::new(
                    ViolationKind::Limit,
                    format!(
                        "export name of {} bytes (limit {}): `{}...`",
                        name.len(),
                        limits::NAME_LENGTH,
                        name.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }

    /// ArbOS reserves `stylus`-prefixed names, and rejects a module that imports the same
    /// name twice with different types or exports a name it imports.
    fn check_names(&mut self) {
        let mut found = Vec::new();
        let exported: Vec<&str> = self
            .exports
            .iter()
            .map(|(name, _, _)| name.rsplit("__").next().unwrap_or(name))
            .collect();
        for name in exported.iter().filter(|n| n.starts_with("stylus")) {
            found.push(format!("export `{name}` uses the reserved `stylus` prefix"));
        }
        let mut function_imports: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        let mut func = 0usize;
        for import in &self.imports {
            if import.name.starts_with("stylus") {
                found.push(format!(
                    "import `{}`.`{}` uses the reserved `stylus` prefix",
                    import.module, import.name
                ));
            }
            if exported.contains(&import.name.as_str()) {
                found.push(format!(
                    "`{}` is both imported (from `{}`) and exported",
                    import.name, import.module
                ));
            }
            if import.kind == "function" {
                let ty = self.func_types.get(func).copied().unwrap_or(u32::MAX);
                func += 1;
                let key = (import.module.as_str(), import.name.as_str());
                if let Some(prior) = function_imports.insert(key, ty) {
                    if prior != ty {
                        found.push(format!(
                            "`{}`.`{}` is imported twice with different types",
                            import.module, import.name
                        ));
                    }
                }
            }
        }
        self.violations.extend(
            found
                .into_iter()
                .map(|m| Violation::new(ViolationKind::ReservedName, m)),
        );
    }

    fn describe_function(&self, index: u32) -> String {
        match self.function_names.get(&index) {
            Some(name) => format!("{index} `{name}`"),
            None => index.to_string(),
        }
    }

    fn describe_functions(&self, functions: &[u32]) -> String {
        const SHOWN: usize = 8;
        if functions.is_empty() {
            return "no function".into();
        }
        let list: Vec<String> = functions
            .iter()
            .take(SHOWN)
            .map(|&f| self.describe_function(f))
            .collect();
        let more = functions.len().saturating_sub(SHOWN);
        let noun = if functions.len() == 1 {
            "function"
        } else {
            "functions"
        };
        if more > 0 {
            format!("{noun} {} and {more} more", list.join(", "))
        } else {
            format!("{noun} {}", list.join(", "))
        }
    }
}

/// Kind of violation a value type is, with its text name; `None` for i32 and i64.
fn forbidden_value_type(ty: ValType) -> Option<(ViolationKind, String)> {
    match ty {
        ValType::I32 | ValType::I64 => None,
        ValType::F32 => Some((ViolationKind::Float, "f32".into())),
        ValType::F64 => Some((ViolationKind::Float, "f64".into())),
        ValType::V128 => Some((ViolationKind::Simd, "v128".into())),
        ValType::Ref(r) => Some((ViolationKind::ReferenceTypes, r.to_string())),
    }
}

fn describe_signature(params: &[ValType], results: &[ValType]) -> String {
    let list = |tys: &[ValType]| {
        tys.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::from("(func");
    if !params.is_empty() {
        out += &format!(" (param {})", list(params));
    }
    if !results.is_empty() {
        out += &format!(" (result {})", list(results));
    }
    out + ")"
}

/// Which proposal an operator comes from, its `Operator` variant name and its visitor name.
fn operator_info(op: &Operator<'_>) -> (&'static str, &'static str, &'static str) {
    macro_rules! define_operator_info {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $(
                    Operator::$op { .. } => (stringify!($proposal), stringify!($op), stringify!($visit)),
                )*
                _ => ("unknown", "Unknown", "visit_unknown"),
            }
        };
    }
    wasmparser::for_each_operator!(define_operator_info)
}

/// Decides whether an operator from `proposal` is forbidden, and as what.
fn classify_operator(proposal: &str, variant: &str) -> Option<ViolationKind> {
    match proposal {
        "mvp" | "sign_extension" | "bulk_memory" => {
            (variant.contains("F32") || variant.contains("F64")).then_some(ViolationKind::Float)
        }
        "saturating_float_to_int" => Some(ViolationKind::Float),
        "simd" | "relaxed_simd" => Some(ViolationKind::Simd),
        "reference_types" => Some(ViolationKind::ReferenceTypes),
        "threads" | "shared_everything_threads" | "acquire_release_atomics" => {
            Some(ViolationKind::Atomics)
        }
        _ => Some(ViolationKind::UnsupportedFeature),
    }
}

/// Text-format name of an operator from its visitor name: `visit_f64_add` -> `f64.add`,
/// `visit_i32_atomic_rmw8_add_u` -> `i32.atomic.rmw8.add_u`.
fn wat_name(visit: &str) -> String {
    let base = visit.strip_prefix("visit_").unwrap_or(visit);
    if base == "typed_select" {
        return "select (typed)".into();
    }
    // Only these prefixes are namespaces (`i32.add`); `return_call`, `br_if` etc. keep theirs.
    const NAMESPACES: [&str; 20] = [
        "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
        "memory", "table", "ref", "local", "global", "elem", "data", "struct", "array",
    ];
    let mut name = match base.split_once('_') {
        Some((prefix, rest)) if NAMESPACES.contains(&prefix) => format!("{prefix}.{rest}"),
        _ => base.to_string(),
    };
    for (from, to) in [
        ("atomic_", "atomic."),
        ("rmw_", "rmw."),
        ("rmw8_", "rmw8."),
        ("rmw16_", "rmw16."),
        ("rmw32_", "rmw32."),
    ] {
        name = name.replace(from, to);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal module of the shape Stylus wants: host imports from `vm_hooks`, an
    /// `(i32) -> i32` `user_entrypoint`, an exported memory, a funcref table with
    /// `call_indirect`, bulk-memory, sign-extension and multi-value.
    const VALID: &str = r#"
        (module
          (type $entry (func (param i32) (result i32)))
          (import "vm_hooks" "read_args" (func $read_args (param i32)))
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (memory (export "memory") 1)
          (global $sp (mut i32) (i32.const 1024))
          (table 2 funcref)
          (elem (i32.const 1) $helper)
          (func $helper (type $entry) (local.get 0))
          (func $pair (param i32) (result i32 i32) (local.get 0) (local.get 0))
          (func (export "user_entrypoint") (type $entry)
            (local i64)
            (call $read_args (i32.const 0))
            (memory.fill (i32.const 0) (i32.const 0) (i32.const 16))
            (memory.copy (i32.const 16) (i32.const 0) (i32.const 16))
            (local.set 1 (i64.extend32_s (i64.const 7)))
            (call $pair (i32.extend8_s (local.get 0)))
            drop
            drop
            (call $write_result (i32.const 0) (i32.const 0))
            (global.set $sp (i32.const 2048))
            (call_indirect (type $entry) (i32.const 0) (i32.const 1))))
    "#;

    fn module(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).expect("test WAT must assemble")
    }

    /// The valid module with `extra` spliced in as a further function (or other field).
    fn valid_with(extra: &str) -> Vec<u8> {
        let end = VALID.rfind(')').unwrap();
        module(&format!("{}\n{extra}\n)", &VALID[..end]))
    }

    fn violations(bytes: &[u8]) -> Vec<Violation> {
        match check_module(bytes) {
            Ok(report) => panic!("expected violations, module passed: {report:?}"),
            Err(v) => v,
        }
    }

    /// Asserts there is a violation of `kind` whose message contains every needle.
    fn assert_violation(violations: &[Violation], kind: ViolationKind, needles: &[&str]) {
        let found = violations
            .iter()
            .any(|v| v.kind == kind && needles.iter().all(|n| v.message.contains(n)));
        assert!(
            found,
            "no {kind:?} violation mentioning {needles:?}; got:\n{}",
            violations
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn kinds(violations: &[Violation]) -> Vec<ViolationKind> {
        let mut kinds: Vec<_> = violations.iter().map(|v| v.kind).collect();
        kinds.dedup();
        kinds
    }

    /// Deterministic incompressible bytes (xorshift64*).
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..len)
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    }

    fn wat_string(data: &[u8]) -> String {
        data.iter().map(|b| format!("\\{b:02x}")).collect()
    }

    #[test]
    fn valid_stylus_module_passes() {
        let bytes = module(VALID);
        let report = check_module(&bytes).unwrap_or_else(|v| {
            panic!(
                "valid module rejected:\n{}",
                v.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert_eq!(
            report.imports,
            vec![
                "vm_hooks.read_args".to_string(),
                "vm_hooks.write_result".to_string()
            ]
        );
        assert_eq!(report.defined_functions, 3);
        let stripped = strip_custom_sections(&bytes).unwrap();
        assert_eq!(report.raw_bytes, stripped.len());
        assert_eq!(report.compressed_bytes, brotli_size(&stripped));
        assert!(report.compressed_bytes <= MAX_COMPRESSED_BYTES);
    }

    #[test]
    fn allowed_features_exclude_everything_else() {
        let features = allowed_features();
        for allowed in [
            WasmFeatures::MUTABLE_GLOBAL,
            WasmFeatures::SIGN_EXTENSION,
            WasmFeatures::MULTI_VALUE,
            WasmFeatures::BULK_MEMORY,
        ] {
            assert!(features.contains(allowed));
        }
        for forbidden in [
            WasmFeatures::FLOATS,
            WasmFeatures::SATURATING_FLOAT_TO_INT,
            WasmFeatures::REFERENCE_TYPES,
            WasmFeatures::CALL_INDIRECT_OVERLONG,
            WasmFeatures::SIMD,
            WasmFeatures::RELAXED_SIMD,
            WasmFeatures::THREADS,
            WasmFeatures::TAIL_CALL,
            WasmFeatures::EXCEPTIONS,
            WasmFeatures::LEGACY_EXCEPTIONS,
            WasmFeatures::MULTI_MEMORY,
            WasmFeatures::MEMORY64,
            WasmFeatures::GC,
            WasmFeatures::FUNCTION_REFERENCES,
            WasmFeatures::EXTENDED_CONST,
            WasmFeatures::WIDE_ARITHMETIC,
        ] {
            assert!(!features.intersects(forbidden), "{forbidden:?} must be off");
        }
    }

    #[test]
    fn rejects_float_arithmetic() {
        let v = violations(&valid_with(
            "(func $calc (result i64) (i64.trunc_f64_s (f64.add (f64.const 1) (f64.const 2))))",
        ));
        // Function index: 2 imports + 3 functions of VALID, so the new one is 5.
        assert_violation(
            &v,
            ViolationKind::Float,
            &["f64.add", "F64Add", "function 5"],
        );
        assert_violation(&v, ViolationKind::Float, &["f64.const", "2 occurrence(s)"]);
        assert_violation(&v, ViolationKind::Float, &["i64.trunc_f64_s"]);
        assert_violation(&v, ViolationKind::Validation, &["floating-point"]);
    }

    #[test]
    fn rejects_f32_const() {
        let v = violations(&valid_with("(func (drop (f32.const 1.5)))"));
        assert_violation(
            &v,
            ViolationKind::Float,
            &["f32.const", "F32Const", "function 5"],
        );
    }

    #[test]
    fn rejects_float_param_type() {
        // No float instruction at all: only the signature mentions f64.
        let v = violations(&valid_with("(func $takes_float (param f64))"));
        assert_violation(&v, ViolationKind::Float, &["f64 parameter", "function 5"]);
    }

    #[test]
    fn rejects_float_locals_and_globals() {
        let v = violations(&valid_with(
            "(global $g f32 (f32.const 0)) (func (local f64))",
        ));
        assert_violation(&v, ViolationKind::Float, &["global 1", "f32"]);
        assert_violation(
            &v,
            ViolationKind::Float,
            &["function 5", "local(s) of type f64"],
        );
    }

    #[test]
    fn names_functions_when_a_name_section_is_present() {
        let wat = VALID.replacen(
            "(func $helper",
            "(func $float_helper (drop (f64.const 0)))\n(func $helper",
            1,
        );
        let v = violations(&module(&wat));
        assert_violation(&v, ViolationKind::Float, &["function 2 `float_helper`"]);
    }

    #[test]
    fn rejects_import_from_other_module() {
        let wat = VALID.replacen(
            r#"(import "vm_hooks" "write_result""#,
            r#"(import "env" "write_result""#,
            1,
        );
        let v = violations(&module(&wat));
        assert_eq!(kinds(&v), vec![ViolationKind::ForbiddenImport], "{v:?}");
        assert_violation(
            &v,
            ViolationKind::ForbiddenImport,
            &["`env`.`write_result`", "vm_hooks"],
        );
    }

    #[test]
    fn rejects_missing_user_entrypoint() {
        let wat = VALID.replacen(r#"(export "user_entrypoint")"#, r#"(export "main")"#, 1);
        let v = violations(&module(&wat));
        assert_eq!(kinds(&v), vec![ViolationKind::MissingExport], "{v:?}");
        assert_violation(&v, ViolationKind::MissingExport, &["user_entrypoint"]);
    }

    #[test]
    fn rejects_user_entrypoint_with_wrong_type() {
        let v = violations(&module(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "user_entrypoint") (param i32) (result i32 i32)
                   (local.get 0) (local.get 0)))"#,
        ));
        assert_eq!(kinds(&v), vec![ViolationKind::EntrypointSignature], "{v:?}");
        assert_violation(
            &v,
            ViolationKind::EntrypointSignature,
            &["(result i32 i32)", "function 0"],
        );
    }

    #[test]
    fn rejects_missing_memory_export() {
        let wat = VALID.replacen(r#"(memory (export "memory") 1)"#, "(memory 1)", 1);
        let v = violations(&module(&wat));
        assert_eq!(kinds(&v), vec![ViolationKind::MissingExport], "{v:?}");
        assert_violation(&v, ViolationKind::MissingExport, &["`memory`"]);
    }

    #[test]
    fn rejects_memory_name_on_a_non_memory() {
        let wat = VALID
            .replacen(r#"(memory (export "memory") 1)"#, "(memory 1)", 1)
            .replacen(
                "(func $helper",
                r#"(func (export "memory"))(func $helper"#,
                1,
            );
        let v = violations(&module(&wat));
        assert_violation(&v, ViolationKind::MissingExport, &["not a memory"]);
    }

    #[test]
    fn rejects_start_function() {
        let v = violations(&valid_with("(func $init) (start $init)"));
        assert_eq!(kinds(&v), vec![ViolationKind::StartFunction], "{v:?}");
        assert_violation(&v, ViolationKind::StartFunction, &["start function 5"]);
    }

    #[test]
    fn rejects_simd() {
        let v = violations(&valid_with(
            "(func (drop (i32x4.add (v128.const i64x2 1 2) (v128.const i64x2 3 4))))",
        ));
        assert_violation(&v, ViolationKind::Simd, &["i32x4.add", "function 5"]);
        assert_violation(&v, ViolationKind::Simd, &["v128.const"]);
        assert_violation(&v, ViolationKind::Validation, &["SIMD"]);
    }

    #[test]
    fn rejects_v128_local() {
        let v = violations(&valid_with("(func (local v128))"));
        assert_violation(&v, ViolationKind::Simd, &["v128"]);
    }

    #[test]
    fn rejects_ref_null() {
        let v = violations(&valid_with("(func (drop (ref.null func)))"));
        assert_violation(
            &v,
            ViolationKind::ReferenceTypes,
            &["ref.null", "function 5"],
        );
    }

    #[test]
    fn rejects_table_get() {
        let v = violations(&valid_with("(func (drop (table.get 0 (i32.const 0))))"));
        assert_violation(
            &v,
            ViolationKind::ReferenceTypes,
            &["table.get", "TableGet", "function 5"],
        );
    }

    #[test]
    fn rejects_externref_param_and_second_table() {
        let v = violations(&valid_with("(table 1 externref) (func (param externref))"));
        assert_violation(&v, ViolationKind::ReferenceTypes, &["externref parameter"]);
        assert_violation(
            &v,
            ViolationKind::ReferenceTypes,
            &["table 1", "more than one table"],
        );
    }

    /// VALID with its `call_indirect` table immediate re-encoded the way LLVM does with
    /// reference types on (Rust's wasm32 default since 1.82): a padded 5-byte LEB.
    fn valid_with_overlong_call_indirect() -> Vec<u8> {
        let bytes = module(VALID);
        // `call_indirect (type 0)` with table 0 assembles to 11 00 00.
        let at = bytes
            .windows(3)
            .rposition(|w| w == [0x11, 0x00, 0x00])
            .expect("call_indirect in VALID");
        let mut patched = bytes[..at + 2].to_vec();
        patched.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x00]);
        patched.extend_from_slice(&bytes[at + 3..]);
        let patched = fix_sizes_after(&bytes, &patched, at, 4);
        assert!(
            Validator::new_with_features(WasmFeatures::all())
                .validate_all(&patched)
                .is_ok(),
            "patched module must still be well-formed"
        );
        patched
    }

    #[test]
    fn rejects_overlong_call_indirect_table_immediate() {
        let patched = valid_with_overlong_call_indirect();
        let v = violations(&patched);
        assert_violation(
            &v,
            ViolationKind::ReferenceTypes,
            &["call_indirect", "overlong", "function 4"],
        );
        assert_violation(&v, ViolationKind::Validation, &["zero byte expected"]);
    }

    #[test]
    fn normalizes_overlong_call_indirect_back_to_mvp_encoding() {
        let original = module(VALID);
        let patched = valid_with_overlong_call_indirect();
        assert_ne!(patched, original);
        let (normalized, count) = normalize_call_indirect(&patched).unwrap();
        assert_eq!(count, 1);
        // Exactly the bytes wat produced with the single 0x00 table byte.
        assert_eq!(normalized, original);
        assert!(check_module(&normalized).is_ok());
        // Nothing to do: byte-identical.
        assert_eq!(
            normalize_call_indirect(&original).unwrap(),
            (original.clone(), 0)
        );
    }

    #[test]
    fn normalization_handles_size_prefixes_that_shrink() {
        // A body of 130 bytes (2-byte size LEB) that shrinks to 126 (1-byte size LEB), plus a
        // second function with two overlong immediates, and an untouched body between them.
        let mut padding = String::new();
        for _ in 0..39 {
            padding += "(drop (i32.const 1))";
        }
        let wat = format!(
            r#"(module
                 (type $t (func (param i32) (result i32)))
                 (memory (export "memory") 1)
                 (table 1 funcref)
                 (func (export "user_entrypoint") (type $t)
                   {padding}
                   (call_indirect (type $t) (i32.const 0) (i32.const 0)))
                 (func $plain (result i32) (i32.const 7))
                 (func $two (type $t)
                   (drop (call_indirect (type $t) (i32.const 0) (i32.const 0)))
                   (call_indirect (type $t) (i32.const 0) (i32.const 0))))"#
        );
        let original = module(&wat);
        let overlong = reencode_call_indirect_overlong(&original);
        assert_eq!(normalize_call_indirect(&overlong).unwrap(), (original, 3));
    }

    /// Test-only inverse of the normalization: every `call_indirect` table byte becomes
    /// `80 80 80 80 00`, with sizes re-encoded (built on the same section walker).
    fn reencode_call_indirect_overlong(bytes: &[u8]) -> Vec<u8> {
        let code = sections(bytes)
            .unwrap()
            .into_iter()
            .find(|s| s.id == CODE_SECTION_ID)
            .unwrap();
        let mut bodies = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut out = Vec::new();
                let range = body.range();
                let mut copied = range.start as usize;
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    let start = ops.original_position() as usize;
                    let op = ops.read().unwrap();
                    let end = ops.original_position() as usize;
                    if let Operator::CallIndirect { .. } = op {
                        out.extend_from_slice(&bytes[copied..end - 1]);
                        out.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x00]);
                        copied = end;
                        assert_eq!(bytes[end - 1], 0, "test modules use table 0 ({start})");
                    }
                }
                out.extend_from_slice(&bytes[copied..range.end as usize]);
                bodies.push(out);
            }
        }
        let mut payload = leb(bodies.len() as u32);
        for body in bodies {
            payload.extend(leb(body.len() as u32));
            payload.extend(body);
        }
        let mut out = bytes[..code.range.start].to_vec();
        out.push(CODE_SECTION_ID);
        out.extend(leb(payload.len() as u32));
        out.extend(payload);
        out.extend_from_slice(&bytes[code.range.end..]);
        out
    }

    /// Re-encodes the code section and body sizes after `grow` bytes were inserted at `at`
    /// (the test module is small, so each size fits one LEB byte before and after).
    fn fix_sizes_after(original: &[u8], patched: &[u8], at: usize, grow: u8) -> Vec<u8> {
        let code = sections(original)
            .unwrap()
            .into_iter()
            .find(|s| s.id == 10 && s.range.contains(&at))
            .unwrap();
        let mut out = patched.to_vec();
        // Section size byte.
        assert!(out[code.range.start + 1] < 0x80);
        out[code.range.start + 1] += grow;
        // Find the body containing `at`: payload = count, then (size, body)*.
        let mut pos = code.payload.start;
        let (count, n) = read_leb_u32(&original[pos..]).unwrap();
        pos += n;
        for _ in 0..count {
            let (size, n) = read_leb_u32(&original[pos..]).unwrap();
            if (pos..pos + n + size as usize).contains(&at) {
                assert_eq!(n, 1);
                out[pos] += grow;
                return out;
            }
            pos += n + size as usize;
        }
        panic!("body not found");
    }

    #[test]
    fn rejects_atomics() {
        let v = violations(&valid_with(
            "(func (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1))) \
                   (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))",
        ));
        assert_violation(
            &v,
            ViolationKind::Atomics,
            &["i32.atomic.rmw.add", "function 5"],
        );
        assert_violation(&v, ViolationKind::Atomics, &["memory.atomic.notify"]);
    }

    #[test]
    fn rejects_shared_memory() {
        let wat = VALID.replacen(
            r#"(memory (export "memory") 1)"#,
            r#"(memory (export "memory") 1 2 shared)"#,
            1,
        );
        let v = violations(&module(&wat));
        assert_violation(&v, ViolationKind::Atomics, &["memory 0 is shared"]);
    }

    #[test]
    fn rejects_other_proposals() {
        let v = violations(&valid_with("(func $tail (return_call $tail))"));
        assert_violation(
            &v,
            ViolationKind::UnsupportedFeature,
            &["`return_call`", "tail_call proposal", "function 5"],
        );
        let v = violations(&valid_with("(memory $second 1)"));
        assert_violation(&v, ViolationKind::UnsupportedFeature, &["multi-memory"]);
    }

    #[test]
    fn rejects_non_function_imports() {
        let wat = VALID.replacen(
            "(memory (export",
            r#"(import "vm_hooks" "g" (global i32)) (memory (export"#,
            1,
        );
        let v = violations(&module(&wat));
        assert_eq!(kinds(&v), vec![ViolationKind::ForbiddenImport], "{v:?}");
        assert_violation(
            &v,
            ViolationKind::ForbiddenImport,
            &["global import", "only functions"],
        );
    }

    #[test]
    fn enforces_arbos_limits() {
        // 349 locals in one function (the limit is 348); 348 is fine.
        let locals = |n: usize| format!("(func (local i64) (local{}))", " i32".repeat(n - 1));
        assert!(check_module(&valid_with(&locals(348))).is_ok());
        let v = violations(&valid_with(&locals(349)));
        assert_eq!(kinds(&v), vec![ViolationKind::Limit], "{v:?}");
        assert_violation(&v, ViolationKind::Limit, &["function 5", "349 locals"]);

        let segments: String = (0..129)
            .map(|i| format!(r#"(data (i32.const {i}) "x")"#))
            .collect();
        let v = violations(&valid_with(&segments));
        assert_violation(&v, ViolationKind::Limit, &["too many data segments: 129"]);

        let v = violations(&module(&VALID.replacen(
            "(table 2 funcref)",
            "(table 4097 funcref)",
            1,
        )));
        assert_violation(&v, ViolationKind::Limit, &["table entries: 4097"]);
    }

    #[test]
    fn rejects_reserved_and_clashing_names() {
        let v = violations(&valid_with(r#"(func (export "stylus_thing"))"#));
        assert_violation(
            &v,
            ViolationKind::ReservedName,
            &["stylus_thing", "reserved"],
        );
        let v = violations(&valid_with(r#"(func (export "read_args"))"#));
        assert_violation(
            &v,
            ViolationKind::ReservedName,
            &["`read_args` is both imported"],
        );
        let wat = VALID.replacen(
            r#"(import "vm_hooks" "write_result" (func $write_result (param i32 i32)))"#,
            r#"(import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
               (import "vm_hooks" "write_result" (func $write_result2 (param i32)))"#,
            1,
        );
        let v = violations(&module(&wat));
        assert_violation(
            &v,
            ViolationKind::ReservedName,
            &["imported twice with different types"],
        );
    }

    #[test]
    fn reports_every_violation_at_once() {
        let wat = VALID
            .replacen(r#"(export "user_entrypoint")"#, "", 1)
            .replacen(
                r#"(import "vm_hooks" "read_args""#,
                r#"(import "env" "read_args""#,
                1,
            );
        let end = wat.rfind(')').unwrap();
        let wat = format!(
            "{}\n(func $f (drop (f64.const 1)) (drop (ref.null func)))\n(start $f))",
            &wat[..end]
        );
        let v = violations(&module(&wat));
        for kind in [
            ViolationKind::Validation,
            ViolationKind::ForbiddenImport,
            ViolationKind::MissingExport,
            ViolationKind::StartFunction,
            ViolationKind::Float,
            ViolationKind::ReferenceTypes,
        ] {
            assert!(
                v.iter().any(|x| x.kind == kind),
                "missing {kind:?} in {v:?}"
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        let v = violations(b"\0asm\x01\0\0\0\x01\xff");
        assert_violation(&v, ViolationKind::Malformed, &["cannot be parsed"]);
        let v = violations(b"not wasm at all");
        assert_violation(&v, ViolationKind::Malformed, &[]);
    }

    #[test]
    fn rejects_compressed_size_over_limit() {
        let data = noise(MAX_COMPRESSED_BYTES + 2048);
        let v = violations(&valid_with(&format!(
            r#"(data (i32.const 4096) "{}")"#,
            wat_string(&data)
        )));
        assert_eq!(kinds(&v), vec![ViolationKind::CompressedTooLarge], "{v:?}");
        assert_violation(&v, ViolationKind::CompressedTooLarge, &["24576"]);
    }

    #[test]
    fn rejects_uncompressed_size_over_limit() {
        // Zeros compress to almost nothing, so only the uncompressed limit trips.
        let wat = VALID.replacen(
            r#"(memory (export "memory") 1)"#,
            r#"(memory (export "memory") 4)"#,
            1,
        );
        let end = wat.rfind(')').unwrap();
        let zeros = "\\00".repeat(MAX_UNCOMPRESSED_BYTES + 1);
        let v = violations(&module(&format!(
            r#"{} (data (i32.const 0) "{zeros}"))"#,
            &wat[..end]
        )));
        assert_eq!(
            kinds(&v),
            vec![ViolationKind::UncompressedTooLarge],
            "{v:?}"
        );
        assert_violation(&v, ViolationKind::UncompressedTooLarge, &["131072"]);
    }

    #[test]
    fn size_limits_count_the_stripped_module() {
        // A big incompressible custom section alone must not fail the size check.
        let mut bytes = module(VALID);
        let custom_payload = noise(MAX_COMPRESSED_BYTES * 2);
        append_custom_section(&mut bytes, "junk", &custom_payload);
        let report = check_module(&bytes).expect("custom sections are stripped before sizing");
        assert_eq!(
            report.raw_bytes,
            strip_custom_sections(&module(VALID)).unwrap().len()
        );
        assert!(
            report.raw_bytes < module(VALID).len(),
            "VALID has a name section"
        );
    }

    fn append_custom_section(bytes: &mut Vec<u8>, name: &str, payload: &[u8]) {
        let mut body = leb(name.len() as u32);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        bytes.push(0);
        bytes.extend(leb(body.len() as u32));
        bytes.extend(body);
    }

    fn leb(value: u32) -> Vec<u8> {
        encode_leb_u32(value)
    }

    #[test]
    fn strips_custom_sections_and_keeps_the_rest_byte_identical() {
        // `$names` make wat emit a "name" section; add an explicit custom section too, and
        // one in the middle of the module.
        let mut bytes = module(&VALID.replacen(
            "(module",
            r#"(module (@custom "producers-ish" (after type) "hello")"#,
            1,
        ));
        append_custom_section(&mut bytes, "trailing", b"some trailing bytes");
        let before = sections(&bytes).unwrap();
        let custom = before.iter().filter(|s| s.id == CUSTOM_SECTION_ID).count();
        assert!(
            custom >= 3,
            "test module should have custom sections, has {custom}"
        );

        let stripped = strip_custom_sections(&bytes).unwrap();
        let after = sections(&stripped).unwrap();
        assert!(after.iter().all(|s| s.id != CUSTOM_SECTION_ID));
        let kept: Vec<&[u8]> = before
            .iter()
            .filter(|s| s.id != CUSTOM_SECTION_ID)
            .map(|s| &bytes[s.range.clone()])
            .collect();
        let now: Vec<&[u8]> = after.iter().map(|s| &stripped[s.range.clone()]).collect();
        assert_eq!(
            kept, now,
            "non-custom sections must be byte-identical and in order"
        );
        assert_eq!(&stripped[..8], &bytes[..8]);
        let removed: usize = before
            .iter()
            .filter(|s| s.id == CUSTOM_SECTION_ID)
            .map(|s| s.range.len())
            .sum();
        assert_eq!(stripped.len(), bytes.len() - removed);

        Validator::new_with_features(allowed_features())
            .validate_all(&stripped)
            .expect("stripped module stays valid");
        assert!(check_module(&stripped).is_ok());
        // Idempotent.
        assert_eq!(strip_custom_sections(&stripped).unwrap(), stripped);
    }

    #[test]
    fn section_walker_rejects_bad_input() {
        assert!(sections(b"\0asm").is_err());
        assert!(sections(b"\0asX\x01\0\0\0").is_err());
        // Component (version 0x0d, layer 1).
        assert!(sections(b"\0asm\x0d\0\x01\0").is_err());
        // Section claims 5 bytes, has 1.
        assert!(sections(b"\0asm\x01\0\0\0\x01\x05\x00").is_err());
        // Truncated LEB size.
        assert!(sections(b"\0asm\x01\0\0\0\x01\x80").is_err());
        assert_eq!(sections(b"\0asm\x01\0\0\0").unwrap(), vec![]);
    }

    #[test]
    fn leb_reader() {
        assert_eq!(read_leb_u32(&[0x00]).unwrap(), (0, 1));
        assert_eq!(read_leb_u32(&[0xe5, 0x8e, 0x26]).unwrap(), (624_485, 3));
        assert_eq!(
            read_leb_u32(&[0x80, 0x80, 0x80, 0x80, 0x00]).unwrap(),
            (0, 5)
        );
        assert_eq!(
            read_leb_u32(&[0xff, 0xff, 0xff, 0xff, 0x0f]).unwrap(),
            (u32::MAX, 5)
        );
        assert!(read_leb_u32(&[0xff, 0xff, 0xff, 0xff, 0x1f]).is_err());
        assert!(read_leb_u32(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).is_err());
        assert!(read_leb_u32(&[0x80]).is_err());
    }

    #[test]
    fn brotli_sizing_is_deterministic_and_round_trips() {
        let bytes = module(VALID);
        let a = brotli_compress(&bytes);
        let b = brotli_compress(&bytes);
        assert_eq!(a, b);
        assert_eq!(brotli_size(&bytes), a.len());
        assert!(a.len() < bytes.len());
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &a[..], &mut back).unwrap();
        assert_eq!(back, bytes);

        // Incompressible input stays about its own size; repetitive input shrinks a lot.
        let noisy = noise(30_000);
        assert!(brotli_size(&noisy) > 29_000);
        assert!(brotli_size(&vec![7u8; 30_000]) < 100);
    }

    #[test]
    fn wat_names() {
        assert_eq!(wat_name("visit_f64_add"), "f64.add");
        assert_eq!(
            wat_name("visit_i32_atomic_rmw8_add_u"),
            "i32.atomic.rmw8.add_u"
        );
        assert_eq!(
            wat_name("visit_memory_atomic_notify"),
            "memory.atomic.notify"
        );
        assert_eq!(wat_name("visit_ref_is_null"), "ref.is_null");
        assert_eq!(
            wat_name("visit_return_call_indirect"),
            "return_call_indirect"
        );
        assert_eq!(
            wat_name("visit_i16x8_relaxed_dot_i8x16_i7x16_s"),
            "i16x8.relaxed_dot_i8x16_i7x16_s"
        );
    }
}
