import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeImages, scenes } from '../../../samples/damage-assessment/make-images';

// The sample's step programs run here as plain processes, folder to folder, exactly as the emulators run them
// (with /flotilla/in and /flotilla/out mapped to folders). Expectations come from the scene definitions.
const steps = join(__dirname, '../../../samples/damage-assessment/steps');
const run = (step: string, input: string, output: string) =>
  execFileSync(process.execPath, [join(steps, `${step}.js`), input, output], {
    encoding: 'utf8',
    env: { ...process.env, FLOTILLA_STEP: step },
  });

interface Polygon {
  properties: { tile: string; pixels: number; image?: string };
  geometry: { type: string; coordinates: number[][][] };
}

function signedArea(ring: number[][]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++)
    sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return sum / 2;
}

describe('the damage-assessment sample steps', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'flotilla-sample-'));
    makeImages(join(work, 'images'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(scenes.map((s) => [s.name, s] as const))(
    '%s: tile -> predict -> vectorize finds each damaged area',
    (name, scene) => {
      const dir = (n: string) => join(work, name, n);
      mkdirSync(dir('in'), { recursive: true });
      execFileSync('cp', [join(work, 'images', `${name}.pgm`), dir('in')]);
      run('tile', dir('in'), dir('tiles'));
      expect(readdirSync(dir('tiles')).sort()).toEqual([
        'tile-0-0.pgm',
        'tile-0-1.pgm',
        'tile-1-0.pgm',
        'tile-1-1.pgm',
      ]);
      run('predict', dir('tiles'), dir('masks'));
      expect(readdirSync(dir('masks'))).toHaveLength(4);
      run('vectorize', dir('masks'), dir('polygons'));
      const collection = JSON.parse(readFileSync(join(dir('polygons'), 'polygons.geojson'), 'utf8')) as {
        features: Polygon[];
      };
      const expectedAreas = scene.areas
        .map((a) => a.w * a.h - (a.hole ? a.hole.w * a.hole.h : 0))
        .sort((a, b) => a - b);
      expect(collection.features.map((f) => f.properties.pixels).sort((a, b) => a - b)).toEqual(
        expectedAreas,
      );
      for (const feature of collection.features) {
        const [outer, ...holes] = feature.geometry.coordinates;
        expect(outer![0]).toEqual(outer![outer!.length - 1]);
        expect(signedArea(outer!)).toBeGreaterThan(0);
        for (const hole of holes) expect(signedArea(hole)).toBeLessThan(0);
        const [west, south, east, north] = scene.geo;
        for (const [lon, lat] of outer!) {
          expect(lon).toBeGreaterThanOrEqual(west);
          expect(lon).toBeLessThanOrEqual(east);
          expect(lat).toBeGreaterThanOrEqual(south);
          expect(lat).toBeLessThanOrEqual(north);
        }
      }
      expect(collection.features.filter((f) => f.geometry.coordinates.length > 1)).toHaveLength(
        scene.areas.filter((a) => a.hole).length,
      );
    },
  );

  it('merge gathers every image into one FeatureCollection, tagged by image', () => {
    const mergeIn = join(work, 'merge-in');
    for (const scene of scenes) {
      mkdirSync(join(mergeIn, scene.name), { recursive: true });
      execFileSync('cp', [join(work, scene.name, 'polygons', 'polygons.geojson'), join(mergeIn, scene.name)]);
    }
    run('merge', mergeIn, join(work, 'merged'));
    const merged = JSON.parse(readFileSync(join(work, 'merged', 'merged.geojson'), 'utf8')) as {
      type: string;
      features: Polygon[];
    };
    expect(merged.type).toBe('FeatureCollection');
    const total = scenes.reduce((n, s) => n + s.areas.length, 0);
    expect(merged.features).toHaveLength(total);
    for (const scene of scenes) {
      expect(merged.features.filter((f) => f.properties.image === scene.name)).toHaveLength(
        scene.areas.length,
      );
    }
  });

  it('a step without input fails with a message and a non-zero exit code', () => {
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => run('tile', empty, join(work, 'nothing'))).toThrow(/no \.pgm image/);
  });
});
