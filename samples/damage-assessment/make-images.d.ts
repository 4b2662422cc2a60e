export interface DamagedArea {
  x: number;
  y: number;
  w: number;
  h: number;
  hole?: { x: number; y: number; w: number; h: number };
}
export interface Scene {
  name: string;
  geo: [number, number, number, number];
  areas: DamagedArea[];
}
export const scenes: Scene[];
export const SIZE: number;
export const TILE: number;
export function makeImages(outDir: string): string[];
