// The three request examples of the 88API documentation, exactly as published: they must work as they are.
// The examples of GET /openapi.json, and shared by the runtime and end-to-end tests (plain data).

const ASTRONAUT = "https://h2.inkwai.com/bs2/upload-ylab-stunt/se/ai_portal_queue_mmu_image_upscale_aiweb/3214b798-e1b4-4b00-b7af-72b5b0417420_raw_image_0.jpg";

export const KLING_EXAMPLE = {
  model: "kling-v1",
  prompt: "一个穿着宇航服的宇航员在月球上行走, 高品质, 电影级",
  size: "1920x1080",
  image: ASTRONAUT,
  duration: 5,
  metadata: {
    seed: 20231234,
    negative_prompt: "模糊",
    image_tail: "https://h1.inkwai.com/bs2/upload-ylab-stunt/1fa0ac67d8ce6cd55b50d68b967b3a59.png",
  },
};

export const JIMENG_EXAMPLE = {
  model: "jimeng_vgfm_t2v_l20",
  prompt: "一个穿着宇航服的宇航员在月球上行走",
  image: ASTRONAUT,
  metadata: {
    req_key: "jimeng_vgfm_i2v_l20",
    image_urls: [ASTRONAUT],
    aspect_ratio: "16:9",
  },
};

export const VIDU_EXAMPLE = {
  model: "viduq1",
  prompt: "一个穿着宇航服的宇航员在月球上行走, 高品质, 电影级",
  size: "1920x1080",
  image: "https://prod-ss-images.s3.cn-northwest-1.amazonaws.com.cn/vidu-maas/template/image2video.png",
  duration: 5,
  metadata: {
    duration: 5,
    seed: 0,
    resolution: "1080p",
    movement_amplitude: "auto",
    bgm: false,
    payload: "",
    callback_url: "https://your-callback-url.com/webhook",
  },
};

/** OpenAI's videos.create, with the Kling example's model and prompt. */
export const VIDEO_EXAMPLE = { model: KLING_EXAMPLE.model, prompt: KLING_EXAMPLE.prompt, seconds: "5", size: "1280x720" };
