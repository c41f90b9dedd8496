import { describe, expect, it } from "vitest";
import { repoUrlFor } from "./build-payload.js";

function parsed(server: string, path: string, token: string): string {
  const url = new URL(`/${path}.git`, new URL(server));
  url.username = "gitlab-ci-token";
  url.password = token;
  return url.toString();
}

describe("repoUrlFor", () => {
  it.each([
    ["http://127.0.0.1:8080/", "group/app", "glcbt-AbC_d-9"],
    ["http://127.0.0.1:8080/", "group/app", "glcbt-other"],
    ["https://ci.example.test", "a/b/c", "glcbt-x"],
    ["http://[::1]:9000/", "deep/er/path", "glcbt-y"],
    ["http://127.0.0.1:8080/", "group/app", "tok:with@odd/chars"],
    ["http://127.0.0.1:8080/", "spaced name/app", "glcbt-z"],
  ])("on %s for %s with %s is the clone URL with the token as password", (server, path, token) => {
    const url = repoUrlFor(new URL(server), path, token);
    expect(url).toBe(parsed(server, path, token));
    expect(new URL(url).password).toBe(new URL(parsed(server, path, token)).password);
    expect(new URL(url).username).toBe("gitlab-ci-token");
  });
});
