/** The benchmark's fixed parameters: sizes and seeds. Changing them changes the generated inputs. */

export const SEED = 20261121;

/** Scenario 1: Debian-OVAL definitions plus tracker CVEs make a catalog of at least 30,000 bulletins. */
export const FEED = {
  ovalDefinitions: 27_000,
  trackerCves: 3_000,
  /** Package names no status file has (the real index's names first, then synthetic ones). */
  absentNames: 6_000,
  /** Share of OVAL definitions / tracker CVEs about a package some status file has. */
  installedShare: 0.35,
  machines: 1_000,
  warmupMachines: 20,
  /** Every n-th machine is also evaluated with the catalog index bypassed. */
  bypassEvery: 20,
};

/** Scenario 2: timed runs per command (after one warm-up run). */
export const RUNS = 5;
/** Scenario 2: in-process repetitions of evaluate() per input (median reported). */
export const ENGINE_REPEATS = 20;

/** Scenario 3: the generated OVAL document must be at least this large on disk. */
export const BIG_OVAL_MIN_BYTES = 100 * 1024 * 1024;
