// The local console's page script: plain browser JavaScript, no library, nothing loaded from
// elsewhere. It polls the console's API with the per-run token the page was served with.
(() => {
  'use strict';
  const token = document.querySelector('meta[name="sluice-console-token"]').content;
  const $ = (selector) => document.querySelector(selector);
  const svgNs = 'http://www.w3.org/2000/svg';
  const nodeId = (kind, name) => `${kind}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  // Room under the bottom row of the picture for the live lines.
  const svg = document.querySelector('#picture svg');
  if (svg && svg.viewBox.baseVal) {
    svg.viewBox.baseVal.height += 16;
    const height = parseFloat(svg.getAttribute('height') || '0');
    if (height) svg.setAttribute('height', `${height + 12}pt`);
  }
  let openQueue;
  let listed = [];

  async function api(path, body) {
    const init = { headers: { 'x-sluice-console-token': token } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const data = await response.json();
    // Each run of the stack has a token of its own: this page is an earlier run's (npm start was
    // restarted on the same port). The stack answers; the page must be loaded again.
    if (response.status === 403 && /console token/.test(data.error || '')) {
      throw Object.assign(new Error('this page is from an earlier run of the stack (npm start was restarted): reload the page'), { stale: true, headerProblems: [] });
    }
    if (!response.ok) throw Object.assign(new Error(data.error || `${response.status}`), { headerProblems: data.headerProblems || [] });
    return data;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === undefined || text === null ? '-' : String(text);
    if (className) td.className = className;
    return td;
  }

  function button(label, onClick, className) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener('click', onClick);
    return b;
  }

  /** Writes a live line under a node of the picture. */
  function badge(id, text, tone) {
    const node = document.getElementById(id);
    if (!node) return;
    let label = node.querySelector('text.live');
    if (!label) {
      const box = node.getBBox();
      label = document.createElementNS(svgNs, 'text');
      label.setAttribute('x', String(box.x + box.width / 2));
      label.setAttribute('y', String(box.y + box.height + 12));
      label.setAttribute('text-anchor', 'middle');
      node.appendChild(label);
    }
    label.setAttribute('class', `live ${tone}`);
    label.textContent = text;
  }

  /**
   * Brings a table body's rows to `items`, one row per item (its id from `idOf`), in their order:
   * a row already there is kept and updated in place (`fill` with `fresh` false), a new one made
   * (`fresh` true), one no longer listed removed. Replaced every second instead, a row's button
   * would lose a click whose press and release straddle a refresh, and the keyboard focus.
   */
  function syncRows(body, items, idOf, fill) {
    const keep = new Set(items.map(idOf));
    for (const row of [...body.rows]) if (!keep.has(row.id)) row.remove();
    items.forEach((item, i) => {
      const id = idOf(item);
      let row = document.getElementById(id);
      const fresh = !row || row.parentElement !== body;
      if (fresh) {
        row = document.createElement('tr');
        row.id = id;
      }
      if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] ?? null);
      fill(row, item, fresh);
    });
  }

  /** Sets a row's cell texts (made on the first fill), each with its class. */
  function cells(row, values) {
    values.forEach(([text, className], i) => {
      const td = row.cells[i] ?? row.insertCell();
      const value = text === undefined || text === null ? '-' : String(text);
      if (td.textContent !== value) td.textContent = value;
      if (className && td.className !== className) td.className = className;
    });
  }

  /** A queue's label: a dead-letter queue with the queues it keeps the failures of, a topic's triage dead-letter queue with its triage queue, a kept queue as dlq list heads it. */
  function queueLabel(q) {
    if (q.kind === 'queue') return q.name;
    // Every source of a dead-letter queue several queues share, as dlq list heads it.
    if (q.kind === 'deadLetter') return `${q.name} (dead letters of ${(q.sources ?? [q.source]).join(', ')})`;
    if (q.kind === 'kept') return `${q.name} (no longer in the contract; kept by the local stack with its messages)`;
    if (q.kind === 'triageDeadLetter') return `${q.name} (publishes the triage, ${q.source}, could not keep, or SNS could not deliver to the unrouted queue)`;
    return `${q.name} (${q.kind})`;
  }

  function renderState(state) {
    syncRows($('#queues tbody'), state.queues, (q) => `queue-row-${q.name}`, (row, q, fresh) => {
      // A queue of that name of another kind (the topology changed): made again, with its actions.
      if (!fresh && row.dataset.kind !== q.kind) {
        row.replaceChildren();
        fresh = true;
      }
      row.dataset.kind = q.kind;
      row.className = q.kind;
      cells(row, [
        [queueLabel(q)],
        [q.visible, 'n visible'],
        [q.inFlight, 'n in-flight'],
        [q.delayed, 'n delayed'],
      ]);
      if (fresh) {
        const actions = row.insertCell();
        // Every queue dlq list reads, as the API says: a queue's dead letters, a topic's unrouted queue
        // (what no subscription admitted, with why, redriven by publishing it again) and its triage dead-letter queue.
        if (q.deadLetters) actions.append(button('Open', () => openDeadLetters(q.name).catch(showError)));
      }
      const total = q.visible + q.inFlight + q.delayed;
      if (q.kind === 'deadLetter' || q.kind === 'triageDeadLetter') badge(nodeId('queue', q.name), `${total} dead-lettered`, total ? 'dead' : 'idle');
      else badge(nodeId('queue', q.name), `${q.visible} waiting · ${q.inFlight} in flight`, total ? 'busy' : 'idle');
    });
    syncRows($('#consumers tbody'), state.consumers, (c) => `consumer-row-${c.operationId}`, (row, c) => {
      // A topic's triage function is the framework's, not one of the application's handlers: said so.
      row.className = c.kind === 'triage' ? 'framework' : '';
      cells(row, [
        [c.kind === 'triage' ? `${c.operationId} (the framework's triage of ${c.topic})` : c.operationId],
        [c.batches, 'n batches'],
        [c.done, 'n done'],
        [c.retried, 'n retried'],
        [c.batchFailures, 'n batch-failures'],
      ]);
      badge(nodeId('function', c.operationId), `${c.batches} batches · ${c.done} done · ${c.retried} retried`, c.retried || c.batchFailures ? 'dead' : c.batches ? 'busy' : 'idle');
    });
    const records = $('#records tbody');
    records.replaceChildren();
    for (const r of state.records) {
      const row = records.insertRow();
      cell(row, r.at.slice(11, 23));
      cell(row, r.operationId);
      cell(row, r.outcome, `outcome-${r.outcome.endsWith('dead-letter next') ? 'dead-letter' : r.outcome.split(' ')[0]}`);
      cell(row, r.messageId);
      cell(row, r.subject);
      cell(row, r.correlationId);
      cell(row, r.receiveCount, 'n');
    }
  }

  async function poll() {
    try {
      renderState(await api('/api/state'));
      $('#status').textContent = `live · ${new Date().toLocaleTimeString()}`;
      $('#status').className = '';
    } catch (error) {
      $('#status').textContent = error.stale ? error.message : `not reachable: ${error.message}`;
      $('#status').className = 'down';
    }
    setTimeout(poll, 1000);
  }

  async function openDeadLetters(queue) {
    openQueue = queue;
    $('#dead-letters').hidden = false;
    $('#dlq-name').textContent = queue;
    $('#letter').hidden = true;
    const panel = await api(`/api/dead-letters/${encodeURIComponent(queue)}`);
    listed = panel.letters;
    // What the queue holds that could not be read (a FIFO group's messages behind its first) is said, never left out.
    $('#dlq-not-shown').hidden = !panel.notShown;
    $('#dlq-not-shown').textContent = panel.notShown ? `${panel.notShown.why}.` : '';
    const body = $('#dead-letters tbody');
    body.replaceChildren();
    for (const letter of listed) {
      const row = body.insertRow();
      row.dataset.messageId = letter.messageId;
      cell(row, letter.messageId);
      cell(row, letter.receiveCount, 'n');
      cell(row, letter.subject);
      cell(row, letter.why, 'reason');
      const actions = row.insertCell();
      actions.append(button('Open', () => openLetter(queue, letter.messageId).catch(showError)), ' ', button('Redrive', () => redrive(queue, [letter.messageId]).catch(showError)));
    }
    if (listed.length === 0) cell(body.insertRow(), panel.notShown ? 'nothing could be read.' : 'empty.');
  }

  async function openLetter(queue, messageId) {
    const letter = await api(`/api/dead-letters/${encodeURIComponent(queue)}/${encodeURIComponent(messageId)}`);
    const pre = $('#letter');
    pre.hidden = false;
    pre.textContent = [
      `message id: ${letter.messageId}`,
      `receive count: ${letter.receiveCount}`,
      `sent at: ${letter.sentAt || '-'}`,
      `why it failed: ${letter.why}`,
      ...(letter.reason && letter.reason.issues.length ? letter.reason.issues.map((i) => `  ${i.path}: ${i.message}`) : []),
      `what the consumer logged about it:${letter.logged.length ? '' : ' nothing kept'}`,
      ...letter.logged.map((line) => `  ${line}`),
      'body:',
      letter.body,
    ].join('\n');
  }

  async function redrive(queue, ids) {
    const result = await api('/api/redrive', { queue, ...(ids ? { ids } : {}) });
    $('#letter').hidden = false;
    const kept = result.kept ?? [];
    // Those the current contract would reject again: dlq redrive's warning, worded by ops, shown as text.
    const warnings = (result.rejectedAgain ?? []).flatMap((found) => found.lines);
    $('#letter').textContent = [
      `redrove ${result.moved.length} message(s)${result.notFound.length ? `; not found: ${result.notFound.join(', ')}` : ''}${kept.length ? `; kept ${kept.length}, which no subscription admits yet: ${kept.map((k) => `${k.messageId} (${k.why})`).join('; ')}` : ''}`,
      // A shared dead-letter queue's messages whose source is not known stay: said, with what to do.
      ...(result.notRedriven ?? []).map((l) => `left ${l.messageId} in ${queue}: ${l.why}`),
      ...(result.next ? [result.next] : []),
      ...warnings,
    ].join('\n');
    await openDeadLetters(queue);
    $('#letter').hidden = false;
  }

  /** Shows what went wrong with an action where its result would be. */
  function showError(error) {
    $('#letter').hidden = false;
    $('#letter').textContent = `failed: ${error.message}`;
  }

  async function purgeListed() {
    if (!openQueue) return;
    if (listed.length === 0) {
      $('#letter').hidden = false;
      $('#letter').textContent = 'nothing listed to purge.';
      return;
    }
    if (!window.confirm(`Delete the ${listed.length} message(s) listed in ${openQueue} for good?`)) return;
    const result = await api('/api/purge', { queue: openQueue, ids: listed.map((l) => l.messageId) });
    await openDeadLetters(openQueue);
    $('#letter').hidden = false;
    $('#letter').textContent = `deleted ${result.deleted.length} message(s)${result.notFound.length ? ` (${result.notFound.length} were gone already)` : ''}`;
  }

  async function setUpPublishing() {
    const messages = await api('/api/messages');
    const select = $('#publish-message');
    messages.forEach((m, i) => {
      const option = document.createElement('option');
      option.value = String(i);
      option.textContent = `${m.operationId}: ${m.message} (${m.title})`;
      select.append(option);
    });
    // One field per application header of the message (a select when its schema lists the values).
    const renderHeaders = (m) => {
      const fieldset = $('#publish-headers');
      fieldset.replaceChildren(fieldset.querySelector('legend'));
      const headers = (m && m.headers) || [];
      fieldset.hidden = headers.length === 0;
      for (const h of headers) {
        const label = document.createElement('label');
        label.className = 'header';
        const name = document.createElement('span');
        name.textContent = `${h.name}${h.required ? ' (required)' : ''}`;
        let input;
        if (h.allowedValues) {
          input = document.createElement('select');
          for (const v of [...(h.required ? [] : ['']), ...h.allowedValues]) {
            const option = document.createElement('option');
            option.value = v;
            option.textContent = v || '(none)';
            input.append(option);
          }
        } else {
          input = document.createElement('input');
          input.type = 'text';
          // A value to type as the placeholder (the contract's example), the rule as the hint.
          if (h.example !== undefined) input.placeholder = h.example;
        }
        const hint = [h.description, h.pattern ? `pattern ${h.pattern}` : undefined, h.example !== undefined ? `e.g. ${h.example}` : undefined].filter(Boolean).join(' · ');
        if (hint) {
          input.title = hint;
          const help = document.createElement('small');
          help.className = 'hint';
          help.textContent = hint;
          name.append(' ', help);
        }
        // Filled from the example shown in the payload, so that it publishes as it is.
        const given = m.exampleHeaders && Object.hasOwn(m.exampleHeaders, h.name) ? m.exampleHeaders[h.name] : undefined;
        if (given !== undefined && (!h.allowedValues || h.allowedValues.includes(given))) input.value = given;
        input.dataset.header = h.name;
        input.setAttribute('aria-label', `header ${h.name}`);
        const problem = document.createElement('span');
        problem.className = 'problem';
        problem.dataset.problemFor = h.name;
        label.append(name, input, problem);
        fieldset.append(label);
      }
    };
    const fill = () => {
      const m = messages[Number(select.value)];
      $('#publish-payload').value = m ? JSON.stringify(m.example, null, 2) : '';
      renderHeaders(m);
    };
    select.addEventListener('change', fill);
    fill();
    $('#publish').addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = $('#publish-result');
      const m = messages[Number(select.value)];
      // Empty fields are headers not given; the server checks the rest against the headers schema.
      const headers = {};
      for (const input of document.querySelectorAll('#publish-headers [data-header]')) {
        if (input.value !== '') headers[input.dataset.header] = input.value;
        input.removeAttribute('aria-invalid');
      }
      for (const problem of document.querySelectorAll('#publish-headers .problem')) problem.textContent = '';
      try {
        const payload = JSON.parse($('#publish-payload').value);
        const out = await api('/api/publish', { operationId: m.operationId, message: m.message, payload, headers });
        result.className = 'ok';
        result.textContent = `published ${out.messageId}${out.correlationId ? ` (correlation id ${out.correlationId})` : ''}`;
      } catch (error) {
        result.className = 'error';
        result.textContent = error.message;
        // Each refused header also on its field, with every problem of it (a value can break two rules).
        const byHeader = new Map();
        for (const p of error.headerProblems || []) byHeader.set(p.header, [...(byHeader.get(p.header) || []), p.message]);
        for (const [header, problems] of byHeader) {
          const input = document.querySelector(`#publish-headers [data-header="${CSS.escape(header)}"]`);
          if (!input) continue;
          input.setAttribute('aria-invalid', 'true');
          input.parentElement.querySelector('.problem').textContent = problems.join('; ');
        }
      }
    });
  }

  $('#redrive-all').addEventListener('click', () => openQueue && redrive(openQueue, undefined).catch(showError));
  $('#purge-all').addEventListener('click', () => purgeListed().catch(showError));
  $('#close-dlq').addEventListener('click', () => {
    openQueue = undefined;
    $('#dead-letters').hidden = true;
  });
  void setUpPublishing().catch((error) => {
    $('#publish-result').className = 'error';
    $('#publish-result').textContent = error.message;
  });
  void poll();
})();
