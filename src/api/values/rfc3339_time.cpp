#include "api/values/rfc3339_time.h"

#include <fmt/format.h>

#include "api/field_error.h"

namespace kthena::api {
namespace {

using namespace std::chrono;

constexpr std::string_view kLayout = "2006-01-02T15:04:05Z07:00";

struct Civil {
  int year, month, day, hour, minute, second;
  int64_t nanos;
};

Civil to_civil(Time t) {
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  auto rest = t - days;
  auto h = duration_cast<hours>(rest);
  rest -= h;
  auto m = duration_cast<minutes>(rest);
  rest -= m;
  auto s = duration_cast<seconds>(rest);
  rest -= s;
  return {static_cast<int>(ymd.year()),
          static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(h.count()),
          static_cast<int>(m.count()),
          static_cast<int>(s.count()),
          rest.count()};
}

std::string format_seconds(const Civil& c) {
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

}  // namespace

Result<Time> parse_rfc3339(std::string_view text) {
  std::string quoted = go_quote(text);
  auto cannot_parse = [&](size_t at, std::string_view element) {
    return fail(ErrorCode::kInvalid, fmt::format("parsing time {} as \"{}\": cannot parse {} as \"{}\"", quoted,
                                                 kLayout, go_quote(text.substr(std::min(at, text.size()))), element));
  };
  auto number = [&](size_t at, size_t width, int& out) {
    if (at + width > text.size()) return false;
    out = 0;
    for (size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!number(0, 4, year)) return cannot_parse(0, "2006");
  if (text.size() < 5 || text[4] != '-') return cannot_parse(4, "-");
  if (!number(5, 2, month)) return cannot_parse(5, "01");
  if (text.size() < 8 || text[7] != '-') return cannot_parse(7, "-");
  if (!number(8, 2, day)) return cannot_parse(8, "02");
  if (text.size() < 11 || text[10] != 'T') return cannot_parse(10, "T");
  if (!number(11, 2, hour)) return cannot_parse(11, "15");
  if (text.size() < 14 || text[13] != ':') return cannot_parse(13, ":");
  if (!number(14, 2, minute)) return cannot_parse(14, "04");
  if (text.size() < 17 || text[16] != ':') return cannot_parse(16, ":");
  if (!number(17, 2, second)) return cannot_parse(17, "05");
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return cannot_parse(start - 1, "Z07:00");
    for (size_t k = pos - start; k < 9; ++k) nanos *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!number(pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' || !number(pos + 4, 2, om)) {
      return cannot_parse(pos, "Z07:00");
    }
    if (oh > 23 || om > 59)
      return fail(ErrorCode::kInvalid, fmt::format("parsing time {}: time zone offset out of range", quoted));
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return cannot_parse(pos, "Z07:00");
  }
  if (pos != text.size()) {
    return fail(ErrorCode::kInvalid,
                fmt::format("parsing time {}: extra text: {}", quoted, go_quote(text.substr(pos))));
  }
  auto out_of_range = [&](std::string_view what) {
    return fail(ErrorCode::kInvalid, fmt::format("parsing time {}: {} out of range", quoted, what));
  };
  if (month < 1 || month > 12) return out_of_range("month");
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (day < 1 || !ymd.ok()) return out_of_range("day");
  if (hour > 23) return out_of_range("hour");
  if (minute > 59) return out_of_range("minute");
  if (second > 59) return out_of_range("second");
  Time t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + nanoseconds(nanos);
  return t - minutes(offset_minutes);
}

std::string format_rfc3339(Time t) {
  return format_seconds(to_civil(t)) + "Z";
}

std::string now_rfc3339() {
  return format_rfc3339(std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));
}

std::string now_rfc3339_micro() {
  return format_rfc3339_micro(std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));
}

std::string format_rfc3339_micro(Time t) {
  Civil c = to_civil(t);
  return format_seconds(c) + fmt::format(".{:06d}Z", c.nanos / 1000);
}

std::string format_rfc3339_nano(Time t) {
  Civil c = to_civil(t);
  std::string out = format_seconds(c);
  if (c.nanos != 0) {
    std::string frac = fmt::format("{:09d}", c.nanos);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "Z";
}

}  // namespace kthena::api
