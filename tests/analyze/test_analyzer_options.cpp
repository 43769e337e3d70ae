// Analyzer options: the setting syntax, each type's parser, a declaration resolved against
// settings, and the built-in analyzers' declarations (reporter, heavy-hitters).
#include <gtest/gtest.h>

#include "riptide/analyze/analyzer_options.hpp"
#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/analyze/reporter.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;

TEST(AnalyzerOptionSetting, SplitsNameKeyValue) {
  auto s = parse_option_setting("reporter.period=2s");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->analyzer, "reporter");
  EXPECT_EQ(s->key, "period");
  EXPECT_EQ(s->value, "2s");
  EXPECT_EQ(s->origin, "--analyzer-opt");
  // The name ends at the last dot before '=': names may hold dots, values may hold anything.
  auto d = parse_option_setting("my.plugin.dst=a=b.c", "cfg.yaml:3");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->analyzer, "my.plugin");
  EXPECT_EQ(d->key, "dst");
  EXPECT_EQ(d->value, "a=b.c");
  EXPECT_EQ(d->origin, "cfg.yaml:3");
  auto empty = parse_option_setting("reporter.out=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->value, "");
}

TEST(AnalyzerOptionSetting, RefusesWhatIsNotNameKeyValue) {
  for (const char* bad : {"reporter", "reporter.period", "period=2", ".period=2", "reporter.=2", "=2"}) {
    auto s = parse_option_setting(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.error().message.find("NAME.KEY=VALUE"), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  }
}

TEST(AnalyzerOptionValue, ParsesEachType) {
  EXPECT_EQ(std::get<std::int64_t>(*parse_option_value(OptionType::int_, "-42")), -42);
  EXPECT_EQ(std::get<std::int64_t>(*parse_option_value(OptionType::int_, "0x10")), 16);
  EXPECT_EQ(std::get<std::uint64_t>(*parse_option_value(OptionType::uint, "18446744073709551615")), ~0ull);
  EXPECT_EQ(std::get<std::uint64_t>(*parse_option_value(OptionType::uint, "0x88b5")), 0x88b5u);
  EXPECT_DOUBLE_EQ(std::get<double>(*parse_option_value(OptionType::double_, "2.5")), 2.5);
  EXPECT_TRUE(std::get<bool>(*parse_option_value(OptionType::bool_, "Yes")));
  EXPECT_FALSE(std::get<bool>(*parse_option_value(OptionType::bool_, "off")));
  EXPECT_EQ(std::get<std::string>(*parse_option_value(OptionType::string, " a b ")), " a b ");
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(*parse_option_value(OptionType::duration, "250ms")), 250ms);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(*parse_option_value(OptionType::duration, "1.5s")), 1500ms);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(*parse_option_value(OptionType::duration, "2")), 2s);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(*parse_option_value(OptionType::duration, "3us")), 3us);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(*parse_option_value(OptionType::duration, "2m")), 120s);
  EXPECT_EQ(std::get<IpAddr>(*parse_option_value(OptionType::address, "10.0.0.9")).to_string(), "10.0.0.9");
  EXPECT_EQ(std::get<IpAddr>(*parse_option_value(OptionType::address, "2001:db8::1")).to_string(), "2001:db8::1");
}

TEST(AnalyzerOptionValue, RefusesBadValuesWithWhatWasExpected) {
  struct Case {
    OptionType t;
    const char* text;
    const char* expect;
  };
  for (const Case& c : {Case{OptionType::int_, "12x", "integer"}, Case{OptionType::int_, "", "integer"},
                        Case{OptionType::int_, "99999999999999999999", "integer"}, Case{OptionType::uint, "-1", "non-negative"},
                        Case{OptionType::uint, " 1", "non-negative"}, Case{OptionType::double_, "nan", "number"},
                        Case{OptionType::double_, "1e999", "number"}, Case{OptionType::bool_, "maybe", "true or false"},
                        Case{OptionType::duration, "5 parsecs", "duration"}, Case{OptionType::duration, "-1s", "duration"},
                        Case{OptionType::duration, "1e300h", "duration"}, Case{OptionType::duration, "ms", "duration"},
                        Case{OptionType::address, "10.0.0.256", "address"}, Case{OptionType::address, "", "address"}}) {
    auto v = parse_option_value(c.t, c.text);
    ASSERT_FALSE(v) << c.text;
    EXPECT_NE(v.error().message.find(c.expect), std::string::npos) << c.text << ": " << v.error().message;
  }
}

TEST(AnalyzerOptions, DefaultsSettingsAndLastWins) {
  const std::vector<OptionSpec> specs = {{"period", OptionType::duration, "1s", "p"},
                                         {"n", OptionType::uint, "3", "n"},
                                         {"dst", OptionType::address, "", "no default"}};
  std::vector<OptionSetting> settings = {{"mine", "n", "5", "f:1"}, {"other", "zzz", "1", ""}, {"mine", "n", "7", "cli"}};
  auto v = resolve_options("mine", specs, settings);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->get_duration("period"), 1s);
  EXPECT_FALSE(v->is_set("period"));
  EXPECT_EQ(v->get_uint("n"), 7u);  // the later setting (the command line after the file)
  EXPECT_TRUE(v->is_set("n"));
  EXPECT_FALSE(v->has("dst"));
  EXPECT_THROW((void)v->get_address("dst"), std::invalid_argument);
  EXPECT_THROW((void)v->get_int("n"), std::invalid_argument);  // declared uint, read as int
  EXPECT_THROW((void)v->get_uint("nope"), std::invalid_argument);
}

TEST(AnalyzerOptions, UnknownKeyAndBadValueNameTheSettingAndItsOrigin) {
  const std::vector<OptionSpec> specs = {{"period", OptionType::duration, "1s", "p"}, {"top", OptionType::uint, "5", "t"}};
  auto u = resolve_options("reporter", specs, {{"reporter", "perod", "2s", "cfg.yaml:7"}});
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "analyzer option reporter.perod=2s (cfg.yaml:7): unknown key (reporter takes: period, top)");
  auto b = resolve_options("reporter", specs, {{"reporter", "top", "many", "--analyzer-opt"}});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "analyzer option reporter.top=many (--analyzer-opt): expected a non-negative integer");
  auto none = resolve_options("quiet", {}, {{"quiet", "x", "1", ""}});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("quiet takes no options"), std::string::npos);
}

TEST(AnalyzerOptions, FormatDurationReadsBack) {
  for (auto d : {std::chrono::nanoseconds(2s), std::chrono::nanoseconds(250ms), std::chrono::nanoseconds(1500us),
                 std::chrono::nanoseconds(7), std::chrono::nanoseconds(0)}) {
    auto v = parse_option_value(OptionType::duration, format_duration(d));
    ASSERT_TRUE(v) << format_duration(d);
    EXPECT_EQ(std::get<std::chrono::nanoseconds>(*v), d);
  }
}

// The reporter's defaults are its config (what the --report-* aliases set), and configure()
// changes the config its instances are made from.
TEST(BuiltinOptions, ReporterDeclaresItsConfigAndTakesNewValues) {
  ReporterConfig rc;
  rc.period = 750ms;
  rc.top_n = 3;
  auto f = ReporterFactory::create(rc);
  ASSERT_TRUE(f);
  const auto specs = (*f)->options();
  auto same = resolve_options("reporter", specs, {});
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->get_duration("period"), 750ms);
  EXPECT_EQ(same->get_uint("top"), 3u);
  ASSERT_TRUE((*f)->configure(*same));
  EXPECT_EQ((*f)->config().period, 750ms);

  auto v = resolve_options("reporter", specs,
                           {{"reporter", "period", "2s", ""}, {"reporter", "transport", "udp", ""},
                            {"reporter", "dst-ip", "10.1.2.3", ""}, {"reporter", "dst-port", "9999", ""},
                            {"reporter", "merge-threads", "false", ""}});
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_TRUE((*f)->configure(*v));
  const auto& c = (*f)->config();
  EXPECT_EQ(c.period, 2s);
  EXPECT_EQ(c.transport, ReporterConfig::Transport::udp);
  EXPECT_EQ(c.dst_ip, (std::array<std::uint8_t, 4>{10, 1, 2, 3}));
  EXPECT_EQ(c.dst_port, 9999);
  EXPECT_FALSE(c.merge_threads);
  EXPECT_EQ(c.top_n, 3u);  // not given: unchanged

  for (const auto& bad : std::vector<OptionSetting>{{"reporter", "transport", "carrier-pigeon", ""},
                                                    {"reporter", "top", "33", ""},
                                                    {"reporter", "dst-ip", "2001:db8::1", ""},
                                                    {"reporter", "period", "0s", ""}}) {
    auto b = resolve_options("reporter", (*f)->options(), {bad});
    ASSERT_TRUE(b) << bad.key;
    auto r = (*f)->configure(*b);
    EXPECT_FALSE(r) << bad.key << "=" << bad.value;
  }
  EXPECT_EQ((*f)->config().period, 2s);  // a refused configure changes nothing
}

TEST(BuiltinOptions, HeavyHittersDeclaresItsConfigAndOpensANewOutput) {
  HeavyHittersConfig hc;
  hc.output = "";
  hc.k = 4;
  auto f = HeavyHittersFactory::create(hc);
  ASSERT_TRUE(f);
  const std::string path = ::testing::TempDir() + "hh_opt_out.json";
  auto v = resolve_options("heavy-hitters", (*f)->options(),
                           {{"heavy-hitters", "window", "500ms", ""}, {"heavy-hitters", "out", path, ""}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->get_uint("k"), 4u);
  ASSERT_TRUE((*f)->configure(*v));
  EXPECT_EQ((*f)->config().window, 500ms);
  EXPECT_EQ((*f)->config().output, path);
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].target, path);

  auto bad = resolve_options("heavy-hitters", (*f)->options(), {{"heavy-hitters", "out", "/nonexistent-dir/x.json", ""}});
  ASSERT_TRUE(bad);
  EXPECT_FALSE((*f)->configure(*bad));
  auto k0 = resolve_options("heavy-hitters", (*f)->options(), {{"heavy-hitters", "k", "0", ""}});
  ASSERT_TRUE(k0);
  EXPECT_FALSE((*f)->configure(*k0));
  EXPECT_EQ((*f)->config().output, path);
}

}  // namespace
}  // namespace riptide
