'use strict';

const $ = (id) => document.getElementById(id);
const UNREACHABLE = 'Could not reach Threadr. Check your connection, then try again.';

let busy = false;
let exhausted = false;
let countdown = null;

function inWords(seconds) {
  if (seconds < 60) return seconds + (seconds === 1 ? ' second' : ' seconds');
  const minutes = Math.ceil(seconds / 60);
  return minutes + (minutes === 1 ? ' minute' : ' minutes');
}

function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
}

function field(header, name) {
  const m = header && header.match(new RegExp('(?:^|;)\\s*' + name + '=(\\d+)'));
  return m ? Number(m[1]) : null;
}

function say(id, text, isError) {
  $(id).textContent = text;
  $(id).className = isError ? 'error' : '';
}

function updateButton() {
  $('generate').disabled = busy || exhausted;
}

function stopCountdown() {
  if (countdown !== null) {
    clearInterval(countdown);
    countdown = null;
  }
  exhausted = false;
  updateButton();
}

function showLeft(remaining, resetSeconds) {
  stopCountdown();
  say('quota', remaining + (remaining === 1 ? ' generation' : ' generations') + ' left'
      + (resetSeconds ? '; the full quota is back in ' + inWords(resetSeconds) : ''));
}

/** No generation left: the button stays disabled until retryAfter has passed, then the quota is asked again. */
function waitFor(retryAfterSeconds) {
  stopCountdown();
  exhausted = true;
  updateButton();
  const until = Date.now() + retryAfterSeconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      stopCountdown();
      refreshQuota();
      return;
    }
    say('quota', 'No generations left. Try again in ' + clock(left) + '.');
  };
  tick();
  countdown = setInterval(tick, 500);
}

/** The JSON body of a response, or null when it has none (a proxy's HTML error page, say). */
async function jsonOf(response) {
  if (!(response.headers.get('Content-Type') || '').includes('json')) return null;
  try {
    return await response.json();
  } catch (e) {
    return null;
  }
}

function failure(response, body) {
  if (response.status < 500 && body && body.detail) {
    return body.detail.charAt(0).toUpperCase() + body.detail.slice(1) + '.';
  }
  return 'Threadr could not answer (HTTP ' + response.status + '). Please try again in a moment.';
}

async function refreshQuota() {
  let response;
  try {
    response = await fetch('/api/quota');
  } catch (e) {
    stopCountdown();
    say('quota', 'Could not check your quota: Threadr is unreachable.', true);
    return;
  }
  const body = await jsonOf(response);
  if (!response.ok || body === null) {
    stopCountdown();
    say('quota', 'Could not check your quota (HTTP ' + response.status + ').', true);
  } else if (body.retryAfterSeconds > 0) {
    waitFor(body.retryAfterSeconds);
  } else {
    showLeft(body.remaining, body.resetAfterSeconds);
  }
}

function quotaFrom(response) {
  const remaining = field(response.headers.get('RateLimit'), 'r');
  if (remaining === 0) {
    refreshQuota();
  } else if (remaining !== null) {
    showLeft(remaining, field(response.headers.get('RateLimit'), 't'));
  }
}

async function generate() {
  const text = $('text').value;
  $('posts').replaceChildren();
  say('generate-message', '');
  if (!text.trim()) {
    say('generate-message', 'Paste an article first.', true);
    return;
  }
  busy = true;
  updateButton();
  $('generate').textContent = 'Generating…';
  try {
    let response;
    try {
      response = await fetch('/api/generate', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text})
      });
    } catch (e) {
      say('generate-message', UNREACHABLE, true);
      return;
    }
    const body = await jsonOf(response);
    if (response.status === 429) {
      const retry = (body && body.retryAfter) || Number(response.headers.get('Retry-After')) || 60;
      say('generate-message', 'Limit reached. Try again in ' + inWords(retry) + '.', true);
      waitFor(retry);
      return;
    }
    quotaFrom(response);
    if (!response.ok || body === null || !Array.isArray(body.posts)) {
      say('generate-message', failure(response, body), true);
      return;
    }
    $('posts').replaceChildren(...body.posts.map((post) => {
      const item = document.createElement('li');
      item.textContent = post;
      return item;
    }));
  } finally {
    busy = false;
    $('generate').textContent = 'Generate thread';
    updateButton();
  }
}

async function capture(event) {
  event.preventDefault();
  const email = $('email').value;
  if (!email.trim()) {
    say('email-message', 'Please enter your email address.', true);
    return;
  }
  $('capture').disabled = true;
  say('email-message', '');
  try {
    let response;
    try {
      response = await fetch('/api/capture-email', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email})
      });
    } catch (e) {
      say('email-message', UNREACHABLE, true);
      return;
    }
    const body = await jsonOf(response);
    const thanks = {201: 'Thanks! You are on the list.', 200: 'You are already on the list.',
        202: 'Thanks! We will add you as soon as we can.'}[response.status];
    if (thanks) {
      say('email-message', thanks);
    } else if (response.status === 429) {
      const retry = (body && body.retryAfter) || Number(response.headers.get('Retry-After')) || 60;
      say('email-message', 'Too many attempts. Try again in ' + inWords(retry) + '.', true);
    } else if (response.status === 400 && body && body.detail) {
      say('email-message', 'That address does not look right: ' + body.detail + '.', true);
    } else {
      say('email-message', failure(response, body), true);
    }
  } finally {
    $('capture').disabled = false;
  }
}

$('generate').addEventListener('click', generate);
$('email-form').addEventListener('submit', capture);
refreshQuota();
