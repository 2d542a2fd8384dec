// Camera + microphone: preview and a live level meter, shared by the device check and practice.

export async function openCamera(video, meter, { width = 640, height = 480 } = {}) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height }, audio: true });
  video.srcObject = stream;
  await video.play().catch(() => {});
  const stopMeter = meter ? watchLevel(stream, meter) : () => {};
  return { stream, stop: () => { stopMeter(); stream.getTracks().forEach((track) => track.stop()); } };
}

export function watchLevel(stream, meter) {
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const tick = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    // Speech RMS sits around 0.02-0.2; scale so normal speaking fills most of the bar.
    meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 5);
    meter.dataset.peak = Math.max(Number(meter.dataset.peak || 0), meter.value).toFixed(3);
    frame = requestAnimationFrame(tick);
  };
  tick();
  return () => { cancelAnimationFrame(frame); context.close(); meter.value = 0; };
}

export function describeMediaError(error, t) {
  const name = error && error.name;
  if (name === "NotAllowedError") return t("devices.status_denied");
  if (name === "NotFoundError") return t("devices.status_missing");
  return t("devices.status_error", { reason: (error && error.message) || name });
}
