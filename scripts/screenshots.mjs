// Drive headless Chromium through the development instance and save the
// README's pictures. Started by scripts/screenshots, which passes:
//   node scripts/screenshots.mjs BASE_URL SIMULATOR_URL USER PASSWORD OUT_DIR
// PLAYWRIGHT_PREFIX names the folder holding node_modules/playwright-core,
// CHROMIUM the browser (Debian's /usr/bin/chromium), and
// SIMULATOR_CONTROL_TOKEN the simulator's control token where it needs one.
import { createRequire } from "node:module";

const { chromium, request } = createRequire(`${process.env.PLAYWRIGHT_PREFIX}/`)(
  "playwright-core",
);
const [base, simulator, user, password, outDir] = process.argv.slice(2);
const DOMAIN = "powerwall_gateway";
const GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// The README's pictures are 1280 x 1000.
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });

async function shot(name) {
  // Cards and icons settle after the route renders.
  await page.waitForTimeout(2000);
  const path = `${outDir}/${name}.png`;
  await page.screenshot({ path });
  console.log(`    ${path}`);
}

function hass() {
  return page.evaluate(() => document.querySelector("home-assistant").hass);
}

async function ourDevices() {
  const devices = await page.evaluate((domain) =>
    Object.values(document.querySelector("home-assistant").hass.devices)
      .filter((d) => d.identifiers.some(([owner]) => owner === domain))
      .map((d) => ({ id: d.id, model: d.model, parent: d.via_device_id })),
    DOMAIN,
  );
  return {
    gateway: devices.find((d) => d.parent === null),
    battery: devices.find((d) => d.parent !== null),
  };
}

async function waitForState(entityId, state) {
  await page.waitForFunction(
    ([id, wanted]) => document.querySelector("home-assistant").hass.states[id]?.state === wanted,
    [entityId, state],
    { timeout: 120_000 },
  );
}

// Log in the way a user does.
await page.goto(base);
await page.locator("input[name=username]").fill(user);
await page.locator("input[name=password]").fill(password);
await page.keyboard.press("Enter");
await page.waitForFunction(() => document.querySelector("home-assistant")?.hass?.devices);
const { gateway, battery } = await ourDevices();

// Normal operation.
await page.goto(`${base}/config/devices/device/${gateway.id}`);
await shot("gateway");
await page.goto(`${base}/config/devices/device/${battery.id}`);
await shot("battery");

// The set-up form after an address where no gateway answers (the simulator's
// own address would only say "already set up").
await page.goto(`${base}/config/integrations/dashboard/add?domain=${DOMAIN}`);
await page.getByRole("button", { name: "OK", exact: true }).click();
await page.locator("input[name=host]").fill("127.0.0.1:9");
await page.locator("input[name=password]").fill("gateway-password");
await page.getByRole("button", { name: "Submit" }).click();
await page.getByText("Cannot reach a gateway at this address").waitFor();
await shot("config-flow-error");

// The options dialog.
await page.goto(`${base}/config/integrations/integration/${DOMAIN}`);
await page.getByRole("button", { name: "Configure" }).first().click();
await page.getByText("Status interval").first().waitFor();
await shot("options");

// Dialogs are left open: closing one steps back in the browser's history,
// which could land after the next navigation. A grid outage: the simulator
// islands the site; asking Home Assistant to
// update the entity polls at once instead of within the status interval.
const token = process.env.SIMULATOR_CONTROL_TOKEN;
const control = await request.newContext({
  ignoreHTTPSErrors: true,
  extraHTTPHeaders: token ? { "X-Simulator-Token": token } : {},
});
const switched = await control.post(`${simulator}/_sim/scenario`, {
  data: { name: "grid_outage", outage: 3600 },
});
if (!switched.ok()) throw new Error(`simulator refused the scenario: ${switched.status()}`);
await page.evaluate(
  (entityId) =>
    document
      .querySelector("home-assistant")
      .hass.callService("homeassistant", "update_entity", { entity_id: entityId }),
  GRID_CONNECTED,
);
await waitForState(GRID_CONNECTED, "off");
await page.goto(`${base}/config/devices/device/${gateway.id}`);
await shot("gateway-grid-outage");
await page.goto(`${base}/config/devices/device/${battery.id}`);
await shot("battery-grid-outage");
await control.post(`${simulator}/_sim/scenario`, { data: { name: "normal" } });

await control.dispose();
await browser.close();
