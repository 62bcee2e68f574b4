/**
 * The console's picture is drawn by Graphviz (WebAssembly) for the first page asked for, not when
 * the console starts. A drawing that fails there (the module not loading, its WebAssembly not
 * instantiating: out of memory on a busy laptop) is said in the picture's place on that page (the
 * rest of the console does not need it), and is not kept: the next page tries again, and draws it
 * once Graphviz loads. Here the package's
 * `Graphviz.load()` fails once, as it would with no memory for its WebAssembly; a fault this test
 * cannot produce otherwise, hence the module mock (this file only: it runs in a process of its own).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConsole, type LocalConsole } from '@sluice/local/console';
import { contractModule } from '@sluice/ops';
import { pointToPointProject, type PointToPointProject } from '../../../tests/helpers/point-to-point-project.ts';

const loads = vi.hoisted(() => ({ failing: 1, attempts: 0 }));

vi.mock('@hpcc-js/wasm-graphviz', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hpcc-js/wasm-graphviz')>();
  const Graphviz = {
    load: () => {
      loads.attempts++;
      if (loads.failing > 0) {
        loads.failing--;
        return Promise.reject(new RangeError('WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory for new instance'));
      }
      return real.Graphviz.load();
    },
  };
  return { ...real, Graphviz };
});

describe("the console's picture when Graphviz fails to load", () => {
  let project: PointToPointProject;
  let console_: LocalConsole;

  beforeAll(async () => {
    project = await pointToPointProject();
    const contract = await contractModule(project.project);
    // Only the page is asked for: no stack behind it (nothing the page's drawing reads is a request).
    const runtime = {
      application: { project: project.project, topology: contract.topology, settings: {}, handlers: {} },
      resources: { topics: {}, queues: {} },
      clientConfig: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    };
    console_ = await startConsole({ runtime: runtime as unknown as Parameters<typeof startConsole>[0]['runtime'], contract, port: 0 });
  });
  afterAll(async () => {
    await console_?.stop();
    project?.dispose();
  });

  it('is not loaded when the console starts', () => {
    expect(loads.attempts).toBe(0);
  });

  it("serves the first page with the error in the picture's place, then draws the picture at the next page instead of keeping the failure", async () => {
    const first = await fetch(console_.url);
    // The rest of the console works without the picture: the page is served, the failure said where the picture goes.
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toMatch(/<section id="picture" aria-label="Topology"><p class="picture-error" role="alert">The topology picture could not be drawn: WebAssembly\.instantiate\(\): Out of memory: Cannot allocate Wasm memory for new instance\. Reload the page to try again; <code>npm run diagram<\/code> draws it to a file\.<\/p><\/section>/);
    expect(page).toContain('<script');
    const second = await fetch(console_.url);
    expect(second.status).toBe(200);
    expect(await second.text()).toMatch(/<section id="picture" aria-label="Topology"><svg[\s\S]*user&#45;signedup&#45;queue/);
    expect(loads.attempts).toBe(2);
    // Drawn once, then kept: a third page neither loads nor draws again.
    expect(await (await fetch(console_.url)).text()).toMatch(/<section id="picture" aria-label="Topology"><svg/);
    expect(loads.attempts).toBe(2);
  });
});
