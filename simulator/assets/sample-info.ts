// What ffprobe says about sample.mp4 (and moov-at-end.mp4, the same stream with moov after mdat):
//   ffprobe -v error -show_entries format=duration:stream=width,height,r_frame_rate -of json sample.mp4
//   → format.duration 5.042000, width 1280, height 720, r_frame_rate 24/1 (121 frames, H.264)
// Made with: ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=24 -frames:v 121 -c:v libx264 -b:v 300k
//   -pix_fmt yuv420p -movflags +faststart sample.mp4; ffmpeg -i sample.mp4 -c copy moov-at-end.mp4
export const SAMPLE_VIDEO = {
  bytes: 204868,
  ffprobe: { duration: 5.042, fps: 24, width: 1280, height: 720 },
};
