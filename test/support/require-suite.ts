/**
 * Suites that need a system component (podman, a kube-apiserver, PostgreSQL…) call this to learn
 * whether they can run. Missing component: the suite is skipped with how to enable it — unless
 * RUNFLEET_REQUIRE_ALL_SUITES=1 (CI), where a skip is a failure.
 */
export interface SuiteRequirement {
  readonly suite: string;
  readonly available: boolean;
  readonly howToEnable: string;
}

export function requireSuite(req: SuiteRequirement): boolean {
  if (req.available) return true;
  const message = `suite "${req.suite}" skipped: ${req.howToEnable}`;
  if (process.env.RUNFLEET_REQUIRE_ALL_SUITES === "1") {
    throw new Error(`${message} (RUNFLEET_REQUIRE_ALL_SUITES=1 turns this skip into a failure)`);
  }
  process.stderr.write(`${message}\n`);
  return false;
}
