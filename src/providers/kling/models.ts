import type { ModelRow } from "../types.ts";

/** Kling's endpoint families: a task is only visible under the family that created it. */
export type KlingFamily = "text2video" | "image2video" | "multi-image2video";

const CLASSIC = [5, 10];
const FLEXIBLE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

export interface KlingRules {
  families: KlingFamily[];
}

function kling(id: string, families: KlingFamily[], durations: number[]): ModelRow<KlingRules> {
  const inputs = [
    ...(families.includes("text2video") ? ["text"] : []),
    ...(families.includes("image2video") ? ["image", "image_tail"] : []),
    ...(families.includes("multi-image2video") ? ["image_list"] : []),
  ];
  return {
    spec: {
      id,
      vendor: "kling",
      durations,
      default_duration: 5,
      fps: 24,
      aspect_ratios: ["16:9", "9:16", "1:1"],
      // Kling's `mode`: std renders 720p, pro 1080p.
      resolutions: ["720p", "1080p"],
      inputs,
      seed: false,
      prompt_max: 2500,
    },
    rules: { families },
  };
}

/** Per the Kling API reference: which families take which model_name, and which durations. */
export const KLING_MODELS = [
  kling("kling-v1", ["text2video", "image2video"], CLASSIC),
  kling("kling-v1-5", ["image2video"], CLASSIC),
  kling("kling-v1-6", ["text2video", "image2video", "multi-image2video"], CLASSIC),
  kling("kling-v2-master", ["text2video", "image2video"], CLASSIC),
  kling("kling-v2-1", ["image2video"], CLASSIC),
  kling("kling-v2-1-master", ["text2video", "image2video"], CLASSIC),
  kling("kling-v2-5-turbo", ["text2video", "image2video"], CLASSIC),
  kling("kling-v2-6", ["text2video", "image2video"], FLEXIBLE),
  kling("kling-v3", ["text2video", "image2video"], FLEXIBLE),
];

export const KLING_MODES = ["std", "pro"] as const;
