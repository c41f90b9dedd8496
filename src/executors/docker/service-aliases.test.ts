import { describe, expect, it } from "vitest";
import { serviceAliases } from "./service-aliases.js";

describe("serviceAliases", () => {
  it.each([
    ["postgres:15", undefined, ["postgres"]],
    ["tutum/wordpress", undefined, ["tutum__wordpress", "tutum-wordpress"]],
    ["tutum/wordpress:latest", "wp", ["wp", "tutum__wordpress", "tutum-wordpress"]],
    [
      "registry.example.com/group/svc:1@sha256:abc",
      undefined,
      ["registry.example.com__group__svc", "registry.example.com-group-svc"],
    ],
    ["mysql", "db-1 db-2,db-3", ["db-1", "db-2", "db-3", "mysql"]],
    ["127.0.0.1:5000/a/b:2", undefined, []],
  ])("%s alias %j → %j", (name, alias, expected) => {
    expect(serviceAliases(alias === undefined ? { name } : { name, alias })).toEqual(expected);
  });
});
