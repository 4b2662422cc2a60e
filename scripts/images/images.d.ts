/** Types of scripts/images/images.js (plain Node, run without a build step). */
export const REPO: string;
export const LOCAL_STAGER_IMAGE: string;
export const PUBLIC_BASE_IMAGE: string;
export const SAMPLES: ReadonlyArray<{
  name: string;
  spec: string;
  dockerfile?: string;
  busyboxRootfs?: boolean;
}>;
export function localBaseImage(nodeVersion?: string): string;
export function specImages(specFile: string): string[];
