// Vitest's order (failed and slowest first, from its cache), except that the files reading the
// run's shared demo year go last: by then its background build (test/support/demo-prebuild.ts) is
// done and no worker sits waiting for it.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const DEMO_READERS = ['test/browser/console.test.ts', 'test/integration/reports/month-end.test.ts'];

export class DemoLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const readsDemo = (f: TestSpecification) => DEMO_READERS.some((path) => f.moduleId.endsWith(path));
    return [...sorted.filter((f) => !readsDemo(f)), ...sorted.filter(readsDemo)];
  }
}
