import { describe, expect, it } from "vitest";
import { context } from "./config-builder.test-support.js";
import { predefinedVariables, slugify } from "./predefined-variables.js";

describe("predefinedVariables", () => {
  it("describes a branch push", () => {
    expect(predefinedVariables(context({ commitMessage: "Fix it\n\nLonger text" }))).toMatchObject({
      CI: "true",
      CI_COMMIT_BRANCH: "main",
      CI_COMMIT_REF_NAME: "main",
      CI_COMMIT_REF_SLUG: "main",
      CI_COMMIT_SHORT_SHA: "01234567",
      CI_DEFAULT_BRANCH: "main",
      CI_PIPELINE_SOURCE: "push",
      CI_PROJECT_PATH: "group/project",
      CI_PROJECT_NAME: "project",
      CI_PROJECT_NAMESPACE: "group",
      CI_COMMIT_TITLE: "Fix it",
      CI_COMMIT_DESCRIPTION: "Longer text",
    });
  });

  it("sets CI_COMMIT_TAG and no branch for a tag", () => {
    const vars = predefinedVariables(context({ ref: "v1.2.0", refType: "tag" }));
    expect(vars.CI_COMMIT_TAG).toBe("v1.2.0");
    expect(vars.CI_COMMIT_BRANCH).toBeUndefined();
  });

  it("gives merge-request pipelines the MR variables but no CI_COMMIT_BRANCH", () => {
    const vars = predefinedVariables(
      context({
        ref: "feature/a",
        source: "merge_request_event",
        mergeRequest: { iid: 9, sourceBranch: "feature/a", targetBranch: "main", labels: ["x", "y"] },
      }),
    );
    expect(vars).toMatchObject({
      CI_MERGE_REQUEST_IID: "9",
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "feature/a",
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main",
      CI_MERGE_REQUEST_LABELS: "x,y",
      CI_COMMIT_REF_NAME: "feature/a",
    });
    expect(vars.CI_COMMIT_BRANCH).toBeUndefined();
  });

  it.each([
    [undefined, {}],
    [
      { login: "ada", name: "Ada L", email: "ada@example.com" },
      { GITLAB_USER_LOGIN: "ada", GITLAB_USER_NAME: "Ada L", GITLAB_USER_EMAIL: "ada@example.com" },
    ],
  ])("GITLAB_USER_* from the pipeline's user %j", (user, expected) => {
    const vars = predefinedVariables(context(user === undefined ? {} : { user }));
    const users = Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith("GITLAB_USER_")));
    expect(users).toEqual(expected);
  });

  it.each([
    ["main", "main"],
    ["feature/Login_Page", "feature-login-page"],
    ["--weird--", "weird"],
    ["a".repeat(70), "a".repeat(63)],
  ])("slugify(%j) = %j", (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});
