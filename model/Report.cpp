//===- Report.cpp - the per-layer calibration report ----------------------===//

#include "model/Report.h"

#include "formats/HFConfig.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

using namespace awq;
using llvm::Error;

namespace {
struct Row {
  int64_t layer;
  std::string kind;
  double ratio, rtn, awq;
};

llvm::Expected<std::vector<Row>> readRows(const llvm::json::Object &root) {
  std::vector<Row> rows;
  const llvm::json::Array *groups = root.getArray("groups");
  if (!groups)
    return llvm::createStringError("calibration report: missing 'groups'");
  for (const llvm::json::Value &g : *groups) {
    const llvm::json::Object *o = g.getAsObject();
    if (!o)
      continue;
    rows.push_back({o->getInteger("layer").value_or(0),
                    o->getString("kind").value_or("").str(),
                    o->getNumber("ratio").value_or(0),
                    o->getNumber("rtn_loss").value_or(0),
                    o->getNumber("awq_loss").value_or(0)});
  }
  return rows;
}

Error writeText(const std::vector<Row> &rows, const llvm::json::Object &root,
                llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path + "'");
  os << "AWQ calibration report: module-output MSE of each scaling group "
        "with RTN (s = 1) and with the AWQ scale (before clipping)\n\n";
  os << llvm::formatv("{0,5} {1,-8} {2,6} {3,12} {4,12} {5,9}\n", "layer",
                      "group", "ratio", "rtn mse", "awq mse", "awq/rtn");
  for (const Row &r : rows)
    os << llvm::formatv("{0,5} {1,-8} {2,6:f2} {3,12:e3} {4,12:e3} {5,9:f3}\n",
                        r.layer, r.kind, r.ratio, r.rtn, r.awq,
                        r.rtn > 0 ? r.awq / r.rtn : 1.0);
  if (const llvm::json::Object *clips =
          root.getObject("clipped_group_fraction")) {
    os << "\nshare of weight groups the clip search clipped:\n";
    std::map<std::string, double> sorted;
    for (const auto &[name, value] : *clips)
      sorted[name.str()] = value.getAsNumber().value_or(0);
    for (const auto &[name, value] : sorted)
      os << llvm::formatv("  {0,-40} {1,6:p}\n", name, value);
  }
  os << llvm::formatv("\nforward {0:f1} s, search {1:f1} s\n",
                      root.getNumber("forward_seconds").value_or(0),
                      root.getNumber("search_seconds").value_or(0));
  return Error::success();
}

/// One polyline per group kind: AWQ / RTN error ratio against the layer.
Error writeSvg(const std::vector<Row> &rows, llvm::StringRef path) {
  constexpr double kW = 720, kH = 360, kLeft = 60, kBottom = 40, kTop = 30;
  int64_t layers = 1;
  double maxRatio = 1.0;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> series;
  for (const Row &r : rows) {
    double ratio = r.rtn > 0 ? r.awq / r.rtn : 1.0;
    series[r.kind].push_back({r.layer, ratio});
    layers = std::max(layers, r.layer + 1);
    maxRatio = std::max(maxRatio, ratio);
  }
  auto x = [&](double layer) {
    return kLeft + (kW - kLeft - 20) * layer / std::max<int64_t>(1, layers - 1);
  };
  auto y = [&](double ratio) {
    return kTop + (kH - kTop - kBottom) * (1 - ratio / maxRatio);
  };
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path + "'");
  os << llvm::formatv("<svg xmlns='http://www.w3.org/2000/svg' width='{0}' "
                      "height='{1}' font-family='sans-serif' font-size='12'>\n"
                      "<rect width='100%' height='100%' fill='white'/>\n",
                      kW, kH);
  os << "<text x='60' y='18'>AWQ / RTN module-output error per layer "
        "(below 1: AWQ better)</text>\n";
  for (double tick : {0.0, 0.25, 0.5, 0.75, 1.0})
    os << llvm::formatv("<line x1='{0}' x2='{1}' y1='{2}' y2='{2}' "
                        "stroke='#ddd'/><text x='10' y='{3}'>{4:f2}</text>\n",
                        kLeft, kW - 20, y(tick * maxRatio),
                        y(tick * maxRatio) + 4, tick * maxRatio);
  os << llvm::formatv("<text x='{0}' y='{1}'>layer (0 to {2})</text>\n",
                      kW / 2 - 30, kH - 10, layers - 1);
  const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  int index = 0;
  for (const auto &[kind, points] : series) {
    const char *color = colors[index % 4];
    os << "<polyline fill='none' stroke-width='2' stroke='" << color
       << "' points='";
    for (auto [layer, ratio] : points)
      os << llvm::formatv("{0:f1},{1:f1} ", x(layer), y(ratio));
    os << "'/>\n";
    os << llvm::formatv("<text x='{0}' y='{1}' fill='{2}'>{3}</text>\n",
                        kW - 110, kTop + 16 * (index + 1), color, kind);
    ++index;
  }
  os << "</svg>\n";
  return Error::success();
}
} // namespace

Error awq::model::writeReport(llvm::StringRef calibrationJson,
                              llvm::StringRef textOut, llvm::StringRef svgOut) {
  auto json = formats::readJsonFile(calibrationJson);
  if (!json)
    return json.takeError();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return llvm::createStringError("calibration report: not a JSON object");
  auto rows = readRows(*root);
  if (!rows)
    return rows.takeError();
  if (Error err = writeText(*rows, *root, textOut))
    return err;
  return writeSvg(*rows, svgOut);
}
