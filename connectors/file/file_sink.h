// The `file` destination: writes each stream to one CSV or JSON-lines file (see
// file_options.h for `path` and the format keys; connectors/file/record_format.h for
// how rows print).
//
// Writers never touch the destination: partition i writes `<file>.rbc-tmp-<pid>` (i = 0)
// or `<file>.rbc-tmp-<pid>-<i>` in the file's own folder (created with O_EXCL|O_NOFOLLOW),
// and finish() publishes them in partition order, always by a rename:
//   replace  the parts are joined and renamed over the file (atomic for readers);
//   append   the file's old content and the parts are joined into one more temporary
//            file, renamed over the file; a CSV header is written only when the file is
//            missing or empty.
// So a killed run (kill -9) never leaves a partial file at the final path; prepare()
// removes the temporary files of runs whose process is gone. abandon() removes the
// temporary parts and leaves the destination as it was. A path ending .gz or .zst (or
// `compression`) writes it compressed: each part is a whole gzip member or zstd frame.
// upsert is not supported.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"

namespace rbc::file {

std::unique_ptr<Sink> make_file_sink();

// The temporary file that partition `index` of a write to `target` fills.
std::string temporary_path(const std::string& target, int index);

}  // namespace rbc::file
