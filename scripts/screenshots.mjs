// Drive headless Chromium through the development instance and save the
// README's pictures, once with the user's language English (NAME.png) and
// once German (NAME-de.png). Started by scripts/screenshots, which passes:
//   node scripts/screenshots.mjs BASE_URL SIMULATOR_URL USER PASSWORD OUT_DIR
// PLAYWRIGHT_PREFIX names the folder holding node_modules/playwright-core,
// CHROMIUM the browser (Debian's /usr/bin/chromium), and
// SIMULATOR_CONTROL_TOKEN the simulator's control token where it needs one.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const { chromium, request } = createRequire(`${process.env.PLAYWRIGHT_PREFIX}/`)(
  "playwright-core",
);
const [base, simulator, user, password, outDir] = process.argv.slice(2);
const DOMAIN = "powerwall_gateway";
const GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected";

// The languages the pictures are taken in: the file name's suffix and the
// frontend's own words for the buttons the script presses (Home Assistant's
// translations); the integration's words come from its translation files.
const LANGUAGES = {
  en: { suffix: "", ok: "OK", submit: "Submit", configure: "Configure" },
  de: { suffix: "-de", ok: "OK", submit: "OK", configure: "Konfigurieren" },
};
function integrationText(language) {
  const url = new URL(`../custom_components/${DOMAIN}/translations/${language}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8"));
}

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
// The browser asks for English; the user's language set in Home Assistant
// (below) decides what the pages show.
const page = await browser.newPage({
  viewport: { width: 1280, height: 1000 },
  locale: "en-US",
});
let language = "en";

async function shot(name) {
  // Cards and icons settle after the route renders; entity icons come over
  // the websocket, so wait until every one has drawn.
  await page.waitForTimeout(2000);
  await page
    .waitForFunction(() => {
      const icons = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll("*")) {
          if (el.localName === "ha-state-icon") icons.push(el);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      return icons.every((icon) => {
        const svg = icon.shadowRoot?.querySelector("ha-svg-icon, ha-icon");
        const drawn = svg?.localName === "ha-icon" ? svg.shadowRoot?.querySelector("ha-svg-icon") : svg;
        return Boolean(drawn?.path);
      });
    }, undefined, { timeout: 15_000 })
    .catch(() => console.log(`    (${name}: some icons did not draw in time)`));
  const path = `${outDir}/${name}${LANGUAGES[language].suffix}.png`;
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

// A German user has Home Assistant itself in German too: entity and device
// names are translated by the server, in the system language, when the
// integration sets up, so the system language is changed and the
// integration reloaded. The user's own language is set as the profile page
// does (the frontend keeps it in the user's data on the server), then the
// page is loaded afresh in it.
async function useLanguage(wanted) {
  const gridConnectedName = integrationText(wanted).entity.binary_sensor.grid_status.name;
  await page.evaluate(
    async ([l, domain]) => {
      const hass = document.querySelector("home-assistant").hass;
      await hass.callWS({ type: "config/core/update", language: l });
      const entries = await hass.callWS({ type: "config_entries/get", domain });
      for (const entry of entries) {
        await hass.callService("homeassistant", "reload_config_entry", { entry_id: entry.entry_id });
      }
    },
    [wanted, DOMAIN],
  );
  await page.waitForFunction(
    ([id, name]) =>
      document.querySelector("home-assistant").hass.states[id]?.attributes.friendly_name?.endsWith(name),
    [GRID_CONNECTED, gridConnectedName],
    { timeout: 120_000 },
  );
  await page.evaluate(
    (l) =>
      document
        .querySelector("home-assistant")
        .dispatchEvent(new CustomEvent("hass-language-select", { detail: l })),
    wanted,
  );
  await page.waitForFunction((l) => document.documentElement.lang === l, wanted);
  // Let the frontend store the choice before the page is left.
  await page.waitForTimeout(1000);
  await page.goto(base);
  await page.waitForFunction(
    (l) => {
      const hass = document.querySelector("home-assistant")?.hass;
      return hass?.devices && hass.language === l && document.documentElement.lang === l;
    },
    wanted,
  );
  language = wanted;
}

// Log in the way a user does.
await page.goto(base);
await page.locator("input[name=username]").fill(user);
await page.locator("input[name=password]").fill(password);
await page.keyboard.press("Enter");
await page.waitForFunction(() => document.querySelector("home-assistant")?.hass?.devices);
const { gateway, battery } = await ourDevices();

async function normalOperation() {
  const words = LANGUAGES[language];
  const text = integrationText(language);
  await page.goto(`${base}/config/devices/device/${gateway.id}`);
  await shot("gateway");
  await page.goto(`${base}/config/devices/device/${battery.id}`);
  await shot("battery");

  // The set-up form after an address where no gateway answers (the
  // simulator's own address would only say "already set up").
  await page.goto(`${base}/config/integrations/dashboard/add?domain=${DOMAIN}`);
  await page.getByRole("button", { name: words.ok, exact: true }).click();
  await page.locator("input[name=host]").fill("127.0.0.1:9");
  await page.locator("input[name=password]").fill("gateway-password");
  await page.getByRole("button", { name: words.submit, exact: true }).click();
  await page.getByText(text.config.error.cannot_connect.split(".")[0]).waitFor();
  await shot("config-flow-error");

  // The options dialog.
  await page.goto(`${base}/config/integrations/integration/${DOMAIN}`);
  await page.getByRole("button", { name: words.configure }).first().click();
  await page.getByText(text.options.step.init.data.scan_interval).first().waitFor();
  await shot("options");
}

async function gridOutage() {
  await page.goto(`${base}/config/devices/device/${gateway.id}`);
  await shot("gateway-grid-outage");
  await page.goto(`${base}/config/devices/device/${battery.id}`);
  await shot("battery-grid-outage");
}

// Dialogs are left open: closing one steps back in the browser's history,
// which could land after the next navigation.
await normalOperation();
await useLanguage("de");
await normalOperation();

// A grid outage: the simulator islands the site; asking Home Assistant to
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
// The batteries' details are read at the next status interval: wait until
// the battery page shows the outage too.
await page.waitForFunction(
  (deviceId) => {
    const hass = document.querySelector("home-assistant").hass;
    return Object.values(hass.entities).some(
      (e) => e.device_id === deviceId && hass.states[e.entity_id]?.state === "grid_uncompliant",
    );
  },
  battery.id,
  { timeout: 120_000 },
);
await gridOutage();
await useLanguage("en");
await gridOutage();
await control.post(`${simulator}/_sim/scenario`, { data: { name: "normal" } });

await control.dispose();
await browser.close();
