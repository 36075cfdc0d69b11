// The `file` source: reads a stream's CSV or JSON-lines file, or the files of a glob in
// name order (gzip and zstd decompressed), into batches. One reader per stream, or, with
// StreamRequest::claimed_chunks, several readers that claim record-aligned chunks of the
// files in file order (record_chunks.h; docs/execution.md, "Split files"). See file_options.h for the config
// keys and graph/value_format.h for how each type reads as text.
//
// Schema: StreamRequest::declared_schema when given (CSV with a header and JSONL match
// its columns by name; CSV without a header by position), else inferred from the
// header (or JSON keys in order of first appearance) and the first 10,000 records:
// bool (true/false only), int64, float64, date, timestamp, timestamptz, else text;
// JSONL also infers json for nested or mixed-kind values. Numbers with a leading zero
// ("007") stay text. A column with no values in the sample is text.
#pragma once

#include <memory>

#include "connectors/connector.h"
#include "connectors/file/file_options.h"

namespace rbc::file {

std::unique_ptr<Source> make_file_source();

// The schema the file source would use for `options` with no declared schema: a JSONL
// stream's keys and types from a sample of its first records, or with `every_key` its
// keys from every record (the run's, under schema_evolution: add_columns).
Result<Schema> infer_file_schema(const FileOptions& options, bool every_key = false);

}  // namespace rbc::file
