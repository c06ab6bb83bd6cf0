// The microphone list: filled from enumerateDevices, kept current on devicechange.

export async function listMicrophones(select, current) {
  let devices = [];
  try {
    devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
  } catch {
    // No device list (insecure context or no media support): keep the default entry.
  }
  const options = [new Option('Default microphone', '')];
  devices
    .filter((d) => d.deviceId && d.deviceId !== 'default')
    .forEach((d, i) => options.push(new Option(d.label || `Microphone ${i + 1}`, d.deviceId)));
  select.replaceChildren(...options);
  select.value = options.some((o) => o.value === current) ? current : '';
}
