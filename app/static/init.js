// Start GOV.UK Frontend's components. GOV.UK's page template does this with an inline snippet;
// our Content-Security-Policy allows no inline script, so this external module does it instead
// (it runs after the page is parsed, so there can be a brief moment before the classes apply).
// Browsers without ES modules never run it and get the page without JavaScript, which works.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
