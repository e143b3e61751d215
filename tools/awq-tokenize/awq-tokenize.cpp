//===- awq-tokenize.cpp - tokenizer CLI -----------------------------------===//
//
//   awq-tokenize TOKENIZER --text-file F [--add-special] [--out FILE]
//   awq-tokenize TOKENIZER --text-file F --decode
//   awq-tokenize MODEL.gguf --export-hf DIR [--llama-cpp]
//
// TOKENIZER is a .gguf file, a tokenizer.json or a directory holding one.
// Encoding prints the ids on one line, comma separated, or writes them to
// --out as raw little-endian int32. --decode reads comma-separated ids from
// the text file and prints the decoded text. --export-hf writes the GGUF's
// tokenizer as tokenizer.json, tokenizer_config.json and
// special_tokens_map.json into DIR (created if missing), read under the
// chosen convention.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "formats/Gguf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace awq::tok;
using namespace llvm;

namespace {
cl::OptionCategory category("awq-tokenize options");
cl::opt<std::string> tokenizerPath(cl::Positional, cl::Required,
                                   cl::desc("<tokenizer .gguf|.json|dir>"),
                                   cl::cat(category));
cl::opt<std::string> textFile("text-file",
                              cl::desc("Input text (or ids with --decode)"),
                              cl::cat(category));
cl::opt<bool> addSpecial("add-special",
                         cl::desc("Add BOS/EOS as the tokenizer's "
                                  "post-processor says"),
                         cl::cat(category));
cl::opt<bool> decodeMode("decode",
                         cl::desc("Decode comma-separated ids to text"),
                         cl::cat(category));
cl::opt<bool> llamaCpp("llama-cpp",
                       cl::desc("Read a GGUF as llama.cpp does (default: as "
                                "transformers 4.51.3 does)"),
                       cl::cat(category));
cl::opt<std::string> outFile("out",
                             cl::desc("Write ids as raw int32 to this file"),
                             cl::cat(category));

cl::opt<std::string> exportDir(
    "export-hf",
    cl::desc("Write a GGUF's tokenizer as Hugging Face files into this "
             "directory"),
    cl::value_desc("dir"), cl::cat(category));

int fail(const Twine &msg) {
  WithColor::error(errs(), "awq-tokenize") << msg << "\n";
  return 1;
}

/// Parses "1, 2,3" (any whitespace) into ids.
bool parseIds(StringRef text, std::vector<int32_t> &ids) {
  SmallVector<StringRef> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef p : parts) {
    int32_t id;
    if (p.trim().getAsInteger(10, id))
      return false;
    ids.push_back(id);
  }
  return true;
}

int writeIds(ArrayRef<int32_t> ids) {
  if (outFile.empty()) {
    outs() << join(map_range(ids, [](int32_t id) { return itostr(id); }), ",")
           << "\n";
    return 0;
  }
  std::error_code ec;
  raw_fd_ostream os(outFile, ec, sys::fs::OF_None);
  if (ec)
    return fail("cannot write '" + outFile + "': " + ec.message());
  // Raw little-endian int32, the host order on every machine we target.
  os.write(reinterpret_cast<const char *>(ids.data()), ids.size() * 4);
  return 0;
}
/// --export-hf: the GGUF's tokenizer.ggml.* metadata as HF files.
int exportHuggingFace(GgufConvention convention) {
  auto file = awq::formats::GgufFile::open(tokenizerPath);
  if (!file)
    return fail(toString(file.takeError()));
  auto config = readCheckedGgufTokenizerConfig(**file, convention);
  if (!config)
    return fail(toString(config.takeError()));
  if (std::error_code ec = sys::fs::create_directories(exportDir))
    return fail("cannot create '" + exportDir + "': " + ec.message());
  HuggingFaceTokenizerExtras extras = ggufTokenizerExtras(**file);
  if (Error e = writeHuggingFaceTokenizer(*config, extras, exportDir))
    return fail(toString(std::move(e)));
  outs() << "awq-tokenize: wrote tokenizer.json, tokenizer_config.json, "
            "special_tokens_map.json to "
         << exportDir << "\n";
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "byte-level BPE tokenizer (HF / GGUF)\n");
  GgufConvention convention =
      llamaCpp ? GgufConvention::LlamaCpp : GgufConvention::Transformers;
  if (!exportDir.empty())
    return exportHuggingFace(convention);
  if (textFile.empty())
    return fail("--text-file is required (or --export-hf DIR)");
  auto tok = Tokenizer::open(tokenizerPath, convention);
  if (!tok)
    return fail(toString(tok.takeError()));
  auto buf = MemoryBuffer::getFile(textFile, /*IsText=*/false);
  if (!buf)
    return fail("cannot read '" + textFile + "': " + buf.getError().message());
  StringRef text = (*buf)->getBuffer();
  if (!decodeMode)
    return writeIds((*tok)->encode(text, addSpecial));
  std::vector<int32_t> ids;
  if (!parseIds(text, ids))
    return fail("'" + textFile + "' is not comma-separated integer ids");
  outs() << (*tok)->decode(ids);
  return 0;
}
