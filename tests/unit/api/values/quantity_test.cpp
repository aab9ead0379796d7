#include "api/values/quantity.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <limits>

namespace kthena::api {
namespace {

Quantity q(std::string_view s) {
  auto r = Quantity::parse(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message);
  return r ? *r : Quantity();
}

TEST(Quantity, CanonicalFormsAsApimachinery) {
  struct Case {
    const char* in;
    const char* canonical;
  };
  const Case cases[] = {
      {"0", "0"},           {"1", "1"},           {"1000m", "1"},
      {"100m", "100m"},     {"0.1", "100m"},      {"1.5Gi", "1536Mi"},
      {"1Gi", "1Gi"},       {"1024Mi", "1Gi"},    {"1024", "1024"},
      {"1024Ki", "1Mi"},    {"0.5Ki", "512"},     {"1.5", "1500m"},
      {"1e3", "1e3"},       {"1E3", "1e3"},       {"12e2", "1200"},
      {"0.0001", "100u"},   {"1n", "1n"},         {"0.1n", "1n"},
      {"1.0001n", "2n"},    {"-0.1n", "-1n"},     {"1k", "1k"},
      {"1000", "1k"},       {"1001", "1001"},     {"1.001k", "1001"},
      {"100Mi", "100Mi"},   {"1.5Mi", "1536Ki"},  {"8Ei", "9223372036854775807"},
      {".5", "500m"},       {"-.5", "-500m"},     {"+1", "1"},
      {"010", "10"},        {"1023Ki", "1023Ki"}, {"1M", "1M"},
      {"1000000", "1M"},    {"2000000000", "2G"}, {"1.2e-3", "1200e-6"},
      {"100e-3", "100e-3"}, {"1e-9", "1e-9"},     {"3e-10", "1e-9"},
      {"500Mi", "500Mi"},   {"-1Ki", "-1Ki"},     {"0Ki", "0"},
      {"5E", "5E"},         {"1000E", "1e21"},
  };
  for (const Case& c : cases) EXPECT_EQ(q(c.in).canonical(), c.canonical) << c.in;
}

TEST(Quantity, StringKeepsInputThatIsAlreadyCanonical) {
  EXPECT_EQ(q("100m").to_string(), "100m");
  EXPECT_EQ(q("1Ki").to_string(), "1Ki");
  EXPECT_EQ(q("+1").to_string(), "+1");  // apimachinery's cache quirk, reproduced
  EXPECT_EQ(q("1E3").to_string(), "1E3");
  EXPECT_EQ(q("1000m").to_string(), "1");
  EXPECT_EQ(q("8Ki").to_string(), "8Ki");
  EXPECT_EQ(q("1.5Gi").to_string(), "1536Mi");
}

TEST(Quantity, Errors) {
  const std::string wrong =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  for (const char* s : {"", " ", "1.2.3", "abc", "1Z", "1 ", "1e3x"}) {
    auto r = Quantity::parse(s);
    ASSERT_FALSE(r.has_value()) << s;
    EXPECT_EQ(r.error().message, wrong) << s;
  }
  for (const char* s : {"1K", "1e", "1iK", "1Kii"}) {
    auto r = Quantity::parse(s);
    ASSERT_FALSE(r.has_value()) << s;
    EXPECT_EQ(r.error().message, "unable to parse quantity's suffix") << s;
  }
  auto numeric = Quantity::parse(".e-20");
  ASSERT_FALSE(numeric.has_value());
  EXPECT_EQ(numeric.error().message, "unable to parse numeric part of quantity");
}

TEST(Quantity, ValuesRoundUp) {
  EXPECT_EQ(q("1.5Gi").value(), 1610612736);
  EXPECT_EQ(q("100m").milli_value(), 100);
  EXPECT_EQ(q("100m").value(), 1);
  EXPECT_EQ(q("-100m").value(), -1);
  EXPECT_EQ(q("1.0001m").milli_value(), 2);
  EXPECT_EQ(q("5").milli_value(), 5000);
  EXPECT_EQ(q("100E").value(), INT64_MAX);
  EXPECT_DOUBLE_EQ(q("1.5").as_double(), 1.5);
  EXPECT_DOUBLE_EQ(q("2Ki").as_double(), 2048);
}

TEST(Quantity, FromJson) {
  EXPECT_EQ(Quantity::from_json(Json("1Gi"))->canonical(), "1Gi");
  EXPECT_EQ(Quantity::from_json(Json(3))->canonical(), "3");
  EXPECT_EQ(Quantity::from_json(Json(0.5))->canonical(), "500m");
  EXPECT_EQ(Quantity::from_json(Json(1e-12))->canonical(), "1e-9");  // rounded up, exponent form kept
  EXPECT_FALSE(Quantity::from_json(Json(true)).has_value());
  EXPECT_FALSE(Quantity::from_json(Json("x")).has_value());
}

TEST(Quantity, Compares) {
  EXPECT_EQ(q("1Gi"), q("1073741824"));
  EXPECT_LT(q("1k"), q("1Ki"));
  EXPECT_EQ(q("500m"), q("0.5"));
  EXPECT_LT(q("-1"), q("0"));
  EXPECT_LT(q("-2"), q("-1"));
  EXPECT_GT(q("1e3"), q("999"));
  EXPECT_EQ(Quantity::from_milli(1500), q("1.5"));
  EXPECT_EQ(Quantity::from_int64(-7).canonical(), "-7");
}

// Canonical forms parse back to the same value and print the same way.
TEST(Quantity, PropertyCanonicalRoundTrip) {
  EXPECT_TRUE(rc::check("parse(canonical(q)) == q", [] {
    static const char* kSuffixes[] = {"",   "n",  "u",  "m",  "k",  "M",  "G",  "T",   "P", "E",
                                      "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "e-3", "e7"};
    int64_t whole = *rc::gen::inRange<int64_t>(-1'000'000, 1'000'000);
    int frac = *rc::gen::inRange(0, 1000);
    bool with_frac = *rc::gen::arbitrary<bool>();
    const char* suffix = *rc::gen::elementOf(std::vector<const char*>(std::begin(kSuffixes), std::end(kSuffixes)));
    std::string text = std::to_string(whole) + (with_frac ? "." + std::to_string(frac) : "") + suffix;
    auto parsed = Quantity::parse(text);
    RC_ASSERT(parsed.has_value());
    std::string canonical = parsed->canonical();
    auto again = Quantity::parse(canonical);
    RC_ASSERT(again.has_value());
    RC_ASSERT(*again == *parsed);
    RC_ASSERT(again->canonical() == canonical);
  }));
}

TEST(Quantity, PropertyOrderingFollowsValue) {
  EXPECT_TRUE(rc::check("compare agrees with integer order", [](int64_t a, int64_t b) {
    a /= 4;  // keep milli * 1000 within range below
    b /= 4;
    Quantity qa = Quantity::from_milli(a), qb = Quantity::from_milli(b);
    RC_ASSERT((qa.compare(qb) < 0) == (a < b));
    RC_ASSERT((qa.compare(qb) == 0) == (a == b));
    RC_ASSERT(qa.milli_value() == a);
    auto reparsed = Quantity::parse(qa.to_string());
    RC_ASSERT(reparsed.has_value() && *reparsed == qa);
  }));
}

// Sums and products as Quantity.Add and Quantity.Mul leave them, printed by String() (canonical, since both clear
// the cached text).
TEST(Quantity, AddPrintsCanonically) {
  struct Case {
    const char* a;
    const char* b;
    const char* sum;
  };
  const Case cases[] = {
      {"500m", "500m", "1"},     {"1Gi", "512Mi", "1536Mi"},   {"0.1", "0.1", "200m"},      {"1", "-1", "0"},
      {"2", "-3", "-1"},         {"100m", "1", "1100m"},       {"1G", "1Gi", "2073741824"}, {"1Gi", "1G", "2073741824"},
      {"1e3", "1", "1001"},      {"1Ki", "1", "1025"},         {"0", "1Gi", "1Gi"},         {"0", "300m", "300m"},
      {"125", "125", "250"},     {"800Gi", "800Gi", "1600Gi"}, {"1n", "1", "1000000001n"},  {"-1Ki", "-1Ki", "-2Ki"},
      {"1Mi", "-1Ki", "1023Ki"},
  };
  for (const Case& c : cases) {
    Quantity sum = q(c.a);
    sum.add(q(c.b));
    EXPECT_EQ(sum.to_string(), c.sum) << c.a << " + " << c.b;
  }
}

TEST(Quantity, AddKeepsTheFirstNonZeroFormat) {
  Quantity sum;  // zero, DecimalSI: takes the format of what is added first
  sum.add(q("512Mi"));
  EXPECT_EQ(sum.format(), Quantity::Format::kBinarySI);
  sum.add(q("1G"));
  EXPECT_EQ(sum.format(), Quantity::Format::kBinarySI);
  EXPECT_EQ(sum.to_string(), "1536870912");  // not a whole number of Ki: printed plain
  Quantity decimal = q("1G");
  decimal.add(q("1Gi"));
  EXPECT_EQ(decimal.format(), Quantity::Format::kDecimalSI);
}

TEST(Quantity, AddOfOperandsFarApartKeepsTheLarger) {
  Quantity big = q("1e9000");
  big.add(q("1n"));
  EXPECT_EQ(big, q("1e9000"));
  Quantity small = q("1n");
  small.add(q("1e9000"));
  EXPECT_EQ(small, q("1e9000"));
}

TEST(Quantity, MulPrintsCanonically) {
  struct Case {
    const char* in;
    int64_t factor;
    const char* product;
  };
  const Case cases[] = {
      {"100m", 3, "300m"},
      {"100m", 10, "1"},
      {"2Gi", 3, "6Gi"},
      {"1", 0, "0"},
      {"1.5", -2, "-3"},
      {"1Mi", 1024, "1Gi"},
      {"1k", 1, "1k"},
      {"0.1", 1, "100m"},
      {"1e3", 2, "2e3"},
      {"9223372036854775807", 10, "92233720368547758070"},
      {"1", std::numeric_limits<int64_t>::min(), "-9223372036854775808"},
  };
  for (const Case& c : cases) {
    Quantity product = q(c.in);
    product.mul(c.factor);
    EXPECT_EQ(product.to_string(), c.product) << c.in << " * " << c.factor;
  }
}

TEST(Quantity, PropertyAddAndMulAgreeWithIntegers) {
  EXPECT_TRUE(rc::check("milli sums and products are exact", [](int32_t a, int32_t b, int16_t f) {
    Quantity qa = Quantity::from_milli(a);
    qa.add(Quantity::from_milli(b));
    RC_ASSERT(qa == Quantity::from_milli(int64_t{a} + b));
    Quantity qm = Quantity::from_milli(a);
    qm.mul(f);
    RC_ASSERT(qm == Quantity::from_milli(int64_t{a} * f));
    auto reparsed = Quantity::parse(qm.to_string());
    RC_ASSERT(reparsed.has_value() && *reparsed == qm);
  }));
}

}  // namespace
}  // namespace kthena::api
