// The option table (runtime/collector_options.h): what it accepts, the defaults it
// fills in, the one-line errors it writes, and the typed reads.
#include "runtime/collector_options.h"

#include "gtest/gtest.h"

namespace gclab {
namespace {

bool IsEven(double number) { return static_cast<int64_t>(number) % 2 == 0; }

const std::vector<OptionSpec>& Table() {
  static const std::vector<OptionSpec> table = {
      {.name = "colour", .default_value = "grey", .choices = {"white", "grey", "black"},
       .help = "a colour"},
      {.name = "age", .type = OptionType::kInteger, .default_value = "off", .words = {"off"},
       .min = 1, .max = 15, .help = "an age"},
      {.name = "share", .type = OptionType::kNumber, .default_value = "0.5", .min = 0,
       .max = 1, .min_exclusive = true, .help = "a share"},
      {.name = "even", .type = OptionType::kInteger, .default_value = "2", .min = 0, .max = 8,
       .also_holds = IsEven, .values = "an even number from 0 to 8", .help = "even"},
      {.name = "hidden", .type = OptionType::kSwitch, .default_value = "on",
       .help = "tests only", .test_only = true},
  };
  return table;
}

std::string ErrorOf(const CollectorOptions& given) {
  const absl::Status checked = CheckOptions("gc", Table(), given);
  EXPECT_TRUE(absl::IsInvalidArgument(checked)) << checked;
  return std::string(checked.message());
}

TEST(CollectorOptionsTest, GivenValuesAreReadTypedAndDefaultsStandForTheRest) {
  const CollectorOptions given = {{"age", "3"}, {"hidden", "off"}};
  ASSERT_TRUE(CheckOptions("gc", Table(), given).ok());
  const OptionValues values(Table(), given);
  EXPECT_EQ(values.Text("colour"), "grey");
  EXPECT_EQ(values.IntegerUnlessWord("age"), 3);
  EXPECT_EQ(values.Integer("age"), 3);
  EXPECT_DOUBLE_EQ(values.Number("share"), 0.5);
  EXPECT_EQ(values.Integer("even"), 2);
  EXPECT_FALSE(values.Switch("hidden"));
  EXPECT_TRUE(values.Is("colour", "grey"));
}

TEST(CollectorOptionsTest, AWordStandsForNoNumber) {
  const CollectorOptions none;
  EXPECT_EQ(OptionValues(Table(), none).IntegerUnlessWord("age"), std::nullopt);
}

TEST(CollectorOptionsTest, EachBadValueIsOneLineNamingWhatIsValid) {
  EXPECT_EQ(ErrorOf({{"size", "1"}}), "gc: unknown option 'size'; valid: colour, age, share, even");
  EXPECT_EQ(ErrorOf({{"colour", "red"}}), "gc: unknown colour 'red'; valid: white, grey, black");
  EXPECT_EQ(ErrorOf({{"colour", ""}}), "gc: unknown colour ''; valid: white, grey, black");
  EXPECT_EQ(ErrorOf({{"age", "16"}}),
            "gc: age must be off or a whole number from 1 to 15, got '16'");
  EXPECT_EQ(ErrorOf({{"age", "1.5"}}),
            "gc: age must be off or a whole number from 1 to 15, got '1.5'");
  EXPECT_EQ(ErrorOf({{"share", "0"}}), "gc: share must be a number in (0, 1], got '0'");
  EXPECT_EQ(ErrorOf({{"share", "nan"}}), "gc: share must be a number in (0, 1], got 'nan'");
  EXPECT_EQ(ErrorOf({{"even", "3"}}), "gc: even must be an even number from 0 to 8, got '3'");
  EXPECT_EQ(ErrorOf({{"hidden", "yes"}}), "gc: hidden must be on or off, got 'yes'");
  for (const char* share : {"1", "0.001", "1e-3"}) {
    EXPECT_TRUE(CheckOptions("gc", Table(), {{"share", share}}).ok()) << share;
  }
}

TEST(CollectorOptionsTest, HelpListsEveryOptionButTheTestOnlyOnes) {
  const std::vector<std::string> lines = DescribeOptions(Table());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "colour=white|grey|black (default grey): a colour");
  EXPECT_EQ(lines[1], "age=off or a whole number from 1 to 15 (default off): an age");
  EXPECT_EQ(lines[2], "share=a number in (0, 1] (default 0.5): a share");
  EXPECT_EQ(lines[3], "even=an even number from 0 to 8 (default 2): even");
}

}  // namespace
}  // namespace gclab
