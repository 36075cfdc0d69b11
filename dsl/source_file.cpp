// Reading a pipeline file's text, for every front-end.
#include "dsl/source_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rbc {

std::optional<std::string> read_pipeline_file(const std::string& path, DiagnosticEngine& diagnostics) {
  auto file = std::make_shared<const std::string>(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diagnostics.error(SourceRange{file}, "is a directory, not a pipeline file");
    return std::nullopt;
  }
  // Pipelines are written by people or generated from a few templates: a file this large
  // is a mistake, and reading it would only end in running out of memory.
  constexpr std::uintmax_t kMaxPipelineBytes = std::uintmax_t{64} << 20;
  if (std::uintmax_t size = std::filesystem::file_size(path, ec); !ec && size > kMaxPipelineBytes) {
    diagnostics.error(SourceRange{file}, "pipeline file too large: " + std::to_string(size) +
                                             " bytes, more than the 64 MiB a pipeline may have");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error(SourceRange{file}, "cannot read pipeline file: " +
                                             std::error_code(errno, std::generic_category()).message());
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // A NUL byte means binary data: YAML parsers would report something confusing.
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    uint32_t line = 1, column = 1;
    for (size_t i = 0; i < nul; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    diagnostics.error(SourceRange{file, line, column},
                      "not a text file: binary data (a NUL byte) at byte " + std::to_string(nul));
    return std::nullopt;
  }
  return text;
}

}  // namespace rbc
