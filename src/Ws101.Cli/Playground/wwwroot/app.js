// Ws101 playground: wires the three panels. Plain ES modules, no build step.
import { initCalculator } from './calculator.js';
import { initChecker } from './checker.js';
import { initLive } from './live.js';

initCalculator();
initChecker();
initLive();
document.documentElement.dataset.ready = 'true';
