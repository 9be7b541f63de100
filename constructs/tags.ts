/**
 * The tags every construct of the package accepts, as AWS allows them on a resource. Free of the
 * constructs, so each construct checks its own `tags` without importing another's validation.
 */
import { Token } from "./tf";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";

const MAX_TAGS = 50;
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;

/**
 * Throws unless the tags are an object of at most 50 tags, each a name of 1 to 128
 * characters that does not start with `aws:` and a string value of at most 256 characters.
 */
export function checkTags(fail: Fail, tags: unknown): void {
  if (tags === undefined || Token.isUnresolved(tags)) return;
  if (!isPlainObject(tags)) fail("tags", `${show(tags)}: allowed is an object of tag names to string values`);
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) fail("tags", `${entries.length} tags: AWS allows at most ${MAX_TAGS} per resource`);
  for (const [key, value] of entries) {
    if (!Token.isUnresolved(key) && (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH || /^aws:/i.test(key))) {
      fail(
        "tags",
        `tag ${show(key, { min: 1, max: MAX_TAG_KEY_LENGTH })}: allowed are names of 1 to ${MAX_TAG_KEY_LENGTH} characters that do not start with "aws:"`,
      );
    }
    if (typeof value !== "string" || (!Token.isUnresolved(value) && value.length > MAX_TAG_VALUE_LENGTH)) {
      fail(
        "tags",
        `tag ${show(key)} has value ${show(value)}: allowed are string values of at most ${MAX_TAG_VALUE_LENGTH} characters`,
      );
    }
  }
}
